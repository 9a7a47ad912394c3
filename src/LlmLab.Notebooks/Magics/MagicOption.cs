namespace LlmLab.Notebooks.Magics;

/// <summary>
/// A named option of a magic command: <c>--name value</c>, <c>--name=value</c>, <c>-s value</c>, or a flag.
/// </summary>
/// <param name="Name">Long name without dashes, e.g. <c>tokens</c> for <c>--tokens</c>.</param>
/// <param name="Description">One line for the help text.</param>
public sealed record MagicOption(string Name, string Description)
{
    /// <summary>One-letter alias, e.g. <c>'n'</c> for <c>-n</c>; null for none.</summary>
    public char? ShortName { get; init; }

    /// <summary>Whether the option takes no value (present or absent).</summary>
    public bool IsFlag { get; init; }

    /// <summary>Whether the command fails when the option is missing.</summary>
    public bool IsRequired { get; init; }

    /// <summary>Whether the option may be given several times (all values are kept).</summary>
    public bool IsRepeatable { get; init; }

    /// <summary>What the value must look like.</summary>
    public MagicValueKind Kind { get; init; } = MagicValueKind.Text;

    /// <summary>The only values accepted (compared ordinally); null for any.</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>Value used when the option is absent; null for none.</summary>
    public string? DefaultValue { get; init; }

    /// <summary>Placeholder for the value in help text, e.g. <c>N</c> or <c>PATH</c>.</summary>
    public string ValueName { get; init; } = "VALUE";

    /// <summary>Smallest value accepted for a numeric option (each item of a list); null for no bound.</summary>
    public double? Minimum { get; init; }

    /// <summary>Whether <see cref="Minimum"/> itself is refused, e.g. a top-p of 0 keeps no token.</summary>
    public bool MinimumIsExclusive { get; init; }

    /// <summary>Largest value accepted for a numeric option (each item of a list); null for no bound.</summary>
    public double? Maximum { get; init; }

    /// <summary>
    /// Another option without which this one changes nothing, e.g. <c>top-p</c> only matters with
    /// <c>temperature</c>; giving it alone is accepted with a warning, since a script may pass it on purpose.
    /// </summary>
    public string? OnlyWith { get; init; }

    /// <summary>The accepted range as help text and messages write it, e.g. <c>(0, 1]</c> or <c>≥ 1</c>; null when unbounded.</summary>
    public string? RangeText => (Minimum, Maximum) switch
    {
        (null, null) => null,
        ({ } min, null) => (MinimumIsExclusive ? "> " : "≥ ") + Number(min),
        (null, { } max) => "≤ " + Number(max),
        ({ } min, { } max) => (MinimumIsExclusive ? "(" : "[") + Number(min) + ", " + Number(max) + "]",
    };

    private static string Number(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
