using System.Text;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// The command line a command accepts: its options and positional arguments. Parsed by
/// <see cref="MagicOptionParser"/>; also renders the help text.
/// </summary>
/// <param name="Name">Command name without prefix, e.g. <c>llm-help</c>.</param>
/// <param name="Description">One sentence saying what the command does.</param>
public sealed record CommandSyntax(string Name, string Description)
{
    /// <summary>Named options.</summary>
    public IReadOnlyList<MagicOption> Options { get; init; } = [];

    /// <summary>Positional arguments, in order.</summary>
    public IReadOnlyList<MagicArgument> Arguments { get; init; } = [];

    /// <summary>Paragraphs printed after the options in the help text (what is measured, how); null for none.</summary>
    public string? Details { get; init; }

    /// <summary>Help text: the description, a usage line, arguments and options with their defaults.</summary>
    /// <param name="invocation">How the command is called, e.g. <c>#!llm-help</c> or <c>llmlab run</c>.</param>
    public string Usage(string invocation)
    {
        var text = new StringBuilder();
        text.Append(invocation).Append(" — ").Append(Description).Append("\n\nUsage: ").Append(invocation);
        if (Options.Count > 0) text.Append(" [options]");
        foreach (var argument in Arguments)
        {
            var name = argument.Name.ToUpperInvariant() + (argument.IsVariadic ? "..." : "");
            text.Append(' ').Append(argument.IsRequired ? name : $"[{name}]");
        }

        var rows = new List<(string Left, string Right)>();
        if (Arguments.Count > 0)
        {
            text.Append("\n\nArguments:\n");
            rows.AddRange(Arguments.Select(a => (a.Name.ToUpperInvariant(), a.Description + (a.IsRequired ? " (required)" : ""))));
            AppendRows(text, rows);
            rows.Clear();
        }

        text.Append("\n\nOptions:\n");
        foreach (var option in Options)
        {
            var left = (option.ShortName is { } s ? $"-{s}, " : "    ") + "--" + option.Name + (option.IsFlag ? "" : " " + option.ValueName);
            var notes = new List<string>();
            if (option.IsRequired) notes.Add("required");
            if (option.Choices is { } choices) notes.Add("one of: " + string.Join(", ", choices));
            else if (option.Kind != MagicValueKind.Text) notes.Add(option.Kind switch
            {
                MagicValueKind.Integer => "integer",
                MagicValueKind.IntegerList => "integers",
                _ => "number",
            } + (option.RangeText is { } range ? " " + range : "") + (option.Kind == MagicValueKind.IntegerList ? ", comma-separated" : ""));
            if (option.OnlyWith is { } other) notes.Add("only with --" + other);
            if (option.DefaultValue is { } d) notes.Add("default: " + d);
            if (option.IsRepeatable) notes.Add("repeatable");
            rows.Add((left, option.Description + (notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "")));
        }

        rows.Add(("-h, --help", "Show this help."));
        AppendRows(text, rows);
        if (Details is { } details) text.Append("\n\n").Append(details.TrimEnd());
        return text.ToString();
    }

    private static void AppendRows(StringBuilder text, List<(string Left, string Right)> rows)
    {
        var width = rows.Max(r => r.Left.Length) + 2;
        text.AppendJoin('\n', rows.Select(r => "  " + r.Left.PadRight(width) + r.Right));
    }
}
