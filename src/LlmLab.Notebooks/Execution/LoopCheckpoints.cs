using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Inserts <see cref="CellCheckpoint.Call"/> at the start of every loop body (<c>while</c>, <c>do</c>, <c>for</c>,
/// <c>foreach</c>) and labelled statement (<c>goto</c> loops) of a cell. A .NET thread cannot be killed, so this is
/// what lets a runaway cell stop. Text is only inserted within lines, never new lines, so line numbers in
/// diagnostics and stack traces still match the cell.
/// </summary>
internal static class LoopCheckpoints
{
    private static readonly CSharpParseOptions ScriptParsing = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script);

    public static string Instrument(string code)
    {
        var root = CSharpSyntaxTree.ParseText(code, ScriptParsing).GetRoot();
        // (position, order, text): at one position, closing braces (order 0) come before openings (order 1).
        var insertions = new List<(int Position, int Order, string Text)>();
        foreach (var node in root.DescendantNodes())
        {
            var body = node switch
            {
                WhileStatementSyntax s => s.Statement,
                DoStatementSyntax s => s.Statement,
                ForStatementSyntax s => s.Statement,
                CommonForEachStatementSyntax s => s.Statement,
                LabeledStatementSyntax s => s.Statement,
                _ => null,
            };
            if (body is null || body.IsMissing) continue;
            if (body is BlockSyntax block && !block.OpenBraceToken.IsMissing)
            {
                insertions.Add((block.OpenBraceToken.Span.End, 1, " " + CellCheckpoint.Call));
            }
            else if (body is not BlockSyntax)
            {
                insertions.Add((body.SpanStart, 1, "{ " + CellCheckpoint.Call + " "));
                insertions.Add((body.Span.End, 0, " }"));
            }
        }

        if (insertions.Count == 0) return code;
        var text = new StringBuilder(code.Length + insertions.Count * (CellCheckpoint.Call.Length + 4));
        var copied = 0;
        foreach (var (position, _, insert) in insertions.OrderBy(i => i.Position).ThenBy(i => i.Order))
        {
            text.Append(code, copied, position - copied).Append(insert);
            copied = position;
        }

        return text.Append(code, copied, code.Length - copied).ToString();
    }
}
