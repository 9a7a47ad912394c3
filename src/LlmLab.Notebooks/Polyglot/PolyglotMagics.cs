using System.Reflection;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Polyglot;

/// <summary>
/// What <c>extension.dib</c> needs to register LlmLab's magics with a Polyglot kernel without referencing
/// Microsoft.DotNet.Interactive here: the parameters of each directive, and the command text back from the
/// command object a directive handler receives.
/// </summary>
/// <remarks>
/// Polyglot parses a directive line itself before calling the handler, against the declared parameters: it knows
/// long names only, so short options (<c>-n 5</c>) work in LlmLab's engine but not in a Polyglot kernel.
/// </remarks>
public static class PolyglotMagics
{
    /// <summary>Polyglot's limit for a repeatable parameter (it wants a number).</summary>
    private const int ManyOccurrences = 64;

    /// <summary>The parameters to declare on the <c>KernelActionDirective</c> of a magic.</summary>
    public static IReadOnlyList<PolyglotDirectiveParameter> ParametersOf(MagicCommand magic)
    {
        var options = magic.Syntax.Options.Select(o => new PolyglotDirectiveParameter(
            "--" + o.Name, o.Description, o.IsFlag, o.IsRepeatable ? ManyOccurrences : 1, AllowImplicitName: false));
        var arguments = magic.Syntax.Arguments.Select((a, i) => new PolyglotDirectiveParameter(
            "--" + a.Name, a.Description, Flag: false, a.IsVariadic ? ManyOccurrences : 1, AllowImplicitName: i == 0));
        return options.Concat(arguments).ToArray();
    }

    /// <summary>
    /// The directive line (<c>#!name args</c>) that produced a Polyglot kernel command: from its
    /// <c>DirectiveNode</c> when it has one, else from the code of the <c>SubmitCode</c> it came from, else the
    /// bare magic name. Read by reflection because those members are internal or version-dependent.
    /// </summary>
    /// <param name="kernelCommand">The <c>KernelCommand</c> the directive handler received.</param>
    /// <param name="magicName">The magic's name without <c>#!</c>.</param>
    public static string CommandText(object? kernelCommand, string magicName)
    {
        var marker = "#!" + magicName;
        var node = Property(kernelCommand, "DirectiveNode");
        if (LineStartingWith(Property(node, "Text") as string ?? node?.ToString(), marker) is { } fromNode) return fromNode;
        for (var command = kernelCommand; command is not null; command = Property(command, "Parent"))
        {
            if (LineStartingWith(Property(command, "Code") as string, marker) is { } fromCode) return fromCode;
        }

        return marker;
    }

    private static object? Property(object? target, string name) =>
        target?.GetType().GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(target);

    private static string? LineStartingWith(string? text, string marker)
    {
        if (text is null) return null;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var start = line.IndexOf(marker, StringComparison.Ordinal);
            if (start < 0) continue;
            var rest = line[(start + marker.Length)..];
            if (rest.Length == 0 || char.IsWhiteSpace(rest[0])) return line[start..].TrimEnd();
        }

        return null;
    }
}
