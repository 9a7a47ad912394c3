using System.Globalization;

namespace LlmLab.Cli;

/// <summary>
/// POSIX-style arguments of one command: <c>--name value</c>, <c>--name=value</c>, flags, and
/// positionals. Every option a command reads is declared by reading it; <see cref="EnsureAllUsed"/>
/// then rejects anything left over, so a typo is an error rather than silently ignored.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string?>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];

    public Arguments(string command, IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        Command = command;
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a == "--") { _positionals.AddRange(list.Skip(i + 1)); break; }
            if (!a.StartsWith('-') || a.Length == 1 || double.TryParse(a, CultureInfo.InvariantCulture, out _)) { _positionals.Add(a); continue; }
            string name = a.TrimStart('-');
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (!flags.Contains(name))
            {
                if (i + 1 >= list.Count) throw new UsageException($"{command}: option --{name} needs a value");
                value = list[++i];
            }
            if (!_options.TryGetValue(name, out var values)) _options[name] = values = [];
            values.Add(value);
        }
    }

    public string Command { get; }
    public IReadOnlyList<string> Positionals => _positionals;

    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v[^1] : null;
    }

    public IReadOnlyList<string> Strings(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v.Where(s => s is not null).Select(s => s!).ToArray() : [];
    }

    public string Required(string name) => String(name) ?? throw new UsageException($"{Command}: --{name} is required");

    public int? Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        string? s = String(name);
        if (s is null) return null;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"{Command}: --{name} '{s}' is not an integer");
        if (v < min || v > max) throw new UsageException($"{Command}: --{name} {v} must be between {min} and {max}");
        return v;
    }

    public float? Float(string name)
    {
        string? s = String(name);
        if (s is null) return null;
        return float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v : throw new UsageException($"{Command}: --{name} '{s}' is not a number");
    }

    public IReadOnlyList<int> IntList(string name)
    {
        string? s = String(name);
        if (s is null) return [];
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new UsageException($"{Command}: --{name} '{s}' must be a comma-separated list of integers")).ToArray();
    }

    public void EnsureAllUsed(int maxPositionals = 0)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0) throw new UsageException($"{Command}: unknown option --{unknown[0]}; run 'llmlab {Command} --help'");
        if (_positionals.Count > maxPositionals) throw new UsageException($"{Command}: unexpected argument '{_positionals[maxPositionals]}'");
    }
}

/// <summary>A wrong command line: printed as one line with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
