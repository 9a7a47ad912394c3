using System.Text;
using System.Xml.Linq;
using LlmLab.Notebooks.Execution;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// Completion, inspection and "is this cell complete?" for C# cells, answered with Roslyn's semantic model of the
/// cell compiled after the session's earlier cells (so variables of earlier cells complete too). Roslyn's IDE
/// completion service lives in Microsoft.CodeAnalysis.Features, which LlmLab does not ship; symbol lookup at the
/// cursor covers what a notebook needs: members after a dot, names in scope otherwise.
/// </summary>
internal static class CSharpEditorServices
{
    /// <summary>Completions kept per request: a frontend shows a short list; <c>object.</c> members are far fewer.</summary>
    private const int MaxMatches = 500;

    private static readonly CSharpParseOptions ScriptParse = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script);

    /// <summary>Names that complete the word before <paramref name="cursor"/> (UTF-16 index), and the span they replace.</summary>
    public static (IReadOnlyList<ISymbol> Symbols, int Start, int End) Complete(NotebookSession session, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_')) start--;
        var prefix = code[start..cursor];
        var compilation = session.CompileForEditor(code);
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);

        var dot = start - 1;
        while (dot >= 0 && char.IsWhiteSpace(code[dot])) dot--;
        var candidates = dot >= 0 && code[dot] == '.'
            ? MembersBefore(model, tree.GetRoot().FindToken(dot), start)
            : model.LookupSymbols(start);

        var matches = candidates
            .Where(s => s.CanBeReferencedByName && !s.IsImplicitlyDeclared && s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .GroupBy(s => s.Name, StringComparer.Ordinal)
            .Select(g => g.First())
            .OrderBy(s => !s.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .Take(MaxMatches)
            .ToArray();
        return (matches, start, cursor);
    }

    /// <summary>The symbol(s) under the cursor, described as text (signature, kind, documentation summary); null when none.</summary>
    public static string? Inspect(NotebookSession session, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var compilation = session.CompileForEditor(code);
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var root = tree.GetRoot();
        foreach (var position in new[] { cursor - 1, cursor }.Where(p => p >= 0 && p < code.Length).Distinct())
        {
            var token = root.FindToken(position);
            if (!token.IsKind(SyntaxKind.IdentifierToken) || token.Parent is null) continue;
            var node = token.Parent;
            var info = model.GetSymbolInfo(node);
            ISymbol[] symbols = info.Symbol is { } symbol ? [symbol] : [.. info.CandidateSymbols];
            if (symbols.Length == 0 && model.GetDeclaredSymbol(node) is { } declared) symbols = [declared];
            if (symbols.Length == 0 && model.GetTypeInfo(node).Type is { TypeKind: not TypeKind.Error } type) symbols = [type];
            if (symbols.Length > 0) return Describe(symbols);
        }

        return null;
    }

    /// <summary>
    /// Jupyter's is_complete status: <c>incomplete</c> while a brace, bracket, string or statement is still open
    /// (the console then waits for more lines), <c>invalid</c> for a finished cell with syntax errors, else <c>complete</c>.
    /// </summary>
    public static string Completeness(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, ScriptParse);
        if (!SyntaxFactory.IsCompleteSubmission(tree)) return "incomplete";
        return tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error) ? "invalid" : "complete";
    }

    /// <summary>The Jupyter completion type of a symbol (JupyterLab shows it as an icon).</summary>
    public static string KindName(ISymbol symbol) => symbol switch
    {
        IMethodSymbol => "method",
        IPropertySymbol => "property",
        IFieldSymbol { IsConst: true } => "constant",
        IFieldSymbol => "field",
        IEventSymbol => "event",
        ILocalSymbol or IParameterSymbol => "variable",
        INamespaceSymbol => "module",
        ITypeSymbol { TypeKind: TypeKind.Interface } => "interface",
        ITypeSymbol { TypeKind: TypeKind.Enum } => "enum",
        ITypeSymbol { TypeKind: TypeKind.Struct } => "struct",
        ITypeSymbol => "class",
        _ => "text",
    };

    /// <summary>Members of whatever stands left of the dot: a namespace's types, a type's static members, a value's instance members.</summary>
    private static IEnumerable<ISymbol> MembersBefore(SemanticModel model, SyntaxToken dotToken, int position)
    {
        var left = dotToken.Parent switch
        {
            MemberAccessExpressionSyntax access => access.Expression,
            QualifiedNameSyntax qualified => qualified.Left,
            _ => null,
        };
        if (left is null) return [];
        switch (model.GetSymbolInfo(left).Symbol)
        {
            case INamespaceSymbol ns:
                return model.LookupNamespacesAndTypes(position, ns);
            case ITypeSymbol type:
                // The name binds to a type (a variable would bind to a local, field or property): its static members.
                return model.LookupStaticMembers(position, type);
        }

        var valueType = model.GetTypeInfo(left).Type;
        return valueType is null or { TypeKind: TypeKind.Error }
            ? []
            : model.LookupSymbols(position, valueType, includeReducedExtensionMethods: true).Where(s => !s.IsStatic || s is IMethodSymbol { MethodKind: MethodKind.ReducedExtension });
    }

    private static string Describe(IReadOnlyList<ISymbol> symbols)
    {
        var text = new StringBuilder();
        foreach (var symbol in symbols.Take(20))
        {
            text.Append(KindName(symbol)).Append(' ').Append(symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)).Append('\n');
            if (Summary(symbol) is { } summary) text.Append("    ").Append(summary).Append('\n');
        }

        if (symbols.Count > 20) text.Append($"(and {symbols.Count - 20} more overloads)\n");
        return text.ToString();
    }

    private static string? Summary(ISymbol symbol)
    {
        var xml = symbol.GetDocumentationCommentXml();
        if (string.IsNullOrWhiteSpace(xml)) return null;
        try
        {
            var summary = XElement.Parse(xml).Element("summary");
            return summary is null ? null : string.Join(' ', summary.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }
}
