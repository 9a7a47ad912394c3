using System.Globalization;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// The parsed command line of a magic: option values, flags and positional arguments, read by name. Values were
/// checked against the <see cref="CommandSyntax"/> (kind, choices, required), so the getters only convert.
/// </summary>
public sealed class MagicOptionValues
{
    private readonly CommandSyntax _syntax;
    private readonly Dictionary<string, List<string>> _values;

    internal MagicOptionValues(CommandSyntax syntax, Dictionary<string, List<string>> values, bool helpRequested, IReadOnlyList<string> warnings)
    {
        _syntax = syntax;
        _values = values;
        HelpRequested = helpRequested;
        Warnings = warnings;
    }

    /// <summary>
    /// One line per option given that changes nothing here (e.g. <c>--top-p</c> without <c>--temperature</c>), each
    /// starting with the invocation; the caller prints them where the user reads warnings (stderr, the cell output).
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Whether <c>-h</c> or <c>--help</c> was given (the command is then not run).</summary>
    public bool HelpRequested { get; }

    /// <summary>Whether the option, flag or argument was given on the command line (defaults do not count).</summary>
    public bool Has(string name)
    {
        Declared(name);
        return _values.ContainsKey(name);
    }

    /// <summary>Whether a flag was given.</summary>
    public bool GetFlag(string name) => Has(name);

    /// <summary>The value of an option or argument (the last one if repeated), its default, or null.</summary>
    public string? GetString(string name)
    {
        var declared = Declared(name);
        return _values.TryGetValue(name, out var list) ? list[^1] : (declared as MagicOption)?.DefaultValue;
    }

    /// <summary>Every value given for a repeatable option or a variadic argument, in order (the default if none).</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        var declared = Declared(name);
        if (_values.TryGetValue(name, out var list)) return list;
        return (declared as MagicOption)?.DefaultValue is { } d ? [d] : [];
    }

    /// <summary>The value of an integer option, its default, or null.</summary>
    public int? GetInt32(string name) =>
        GetString(name) is { } s ? int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    /// <summary>The items of an <see cref="MagicValueKind.IntegerList"/> option (or its default); empty when neither is given.</summary>
    public IReadOnlyList<int> GetInt32List(string name) =>
        GetString(name) is { } s ? s.Split(',', StringSplitOptions.TrimEntries).Select(i => int.Parse(i, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray() : [];

    /// <summary>The value of a numeric option, its default, or null.</summary>
    public double? GetDouble(string name) =>
        GetString(name) is { } s ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    private object Declared(string name) =>
        (object?)_syntax.Options.FirstOrDefault(o => o.Name == name)
        ?? (object?)_syntax.Arguments.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"#!{_syntax.Name} declares no option or argument named '{name}'.", nameof(name));
}
