using System.ComponentModel;
using System.Reflection;
using System.Text;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// The header a table shows for a record's property: its <see cref="DisplayNameAttribute"/> when it has one, else the
/// name in words with its unit in parentheses, so a reader sees "decode tokens/s" and "TTFT (ms)" rather than
/// <c>DecodeTokensPerSecond</c> and <c>TtftMs</c>.
/// </summary>
/// <remarks>
/// Words come from the PascalCase humps (<c>InterTokenP50Ms</c> → inter token p50 + ms). A last hump that is a unit
/// (<see cref="UnitSuffixes"/>) becomes the parenthesised unit; <c>PerSecond</c> becomes <c>/s</c>; field
/// abbreviations (<see cref="Acronyms"/>) are written as the field writes them. The first word keeps its capital.
/// </remarks>
internal static class ColumnTitle
{
    /// <summary>Last humps read as units, longest first so "GBps" wins over "ps".</summary>
    private static readonly (string Suffix, string Unit)[] UnitSuffixes =
    [
        ("Percent", "%"), ("Nats", "nats"), ("Seconds", "s"), ("Bytes", "bytes"), ("Watts", "W"), ("Joules", "J"),
        ("GBps", "GB/s"), ("MiB", "MiB"), ("GiB", "GiB"), ("KiB", "KiB"), ("Ms", "ms"), ("Us", "µs"), ("MHz", "MHz"),
    ];

    /// <summary>Humps written in capitals or a fixed spelling, as the field writes them.</summary>
    private static readonly Dictionary<string, string> Acronyms = new(StringComparer.Ordinal)
    {
        ["Ttft"] = "TTFT", ["Kld"] = "KLD", ["Ppl"] = "PPL", ["Kv"] = "KV", ["Gpu"] = "GPU", ["Cpu"] = "CPU", ["Sm"] = "SM",
        ["Nmse"] = "NMSE", ["Ln"] = "ln", ["Id"] = "id", ["Ids"] = "ids",
    };

    /// <summary>The header for <paramref name="member"/>.</summary>
    public static string Of(MemberInfo member) =>
        member.GetCustomAttribute<DisplayNameAttribute>()?.DisplayName is { Length: > 0 } given ? given : Of(member.Name);

    /// <summary>The header for a property called <paramref name="name"/>.</summary>
    public static string Of(string name)
    {
        // A column that is only a unit (MiB) keeps its spelling rather than being split at its capitals.
        if (UnitSuffixes.Any(u => u.Suffix == name)) return name;
        string? unit = null;
        foreach (var (suffix, unitText) in UnitSuffixes)
        {
            // A unit only when it ends a longer name (WeightMiB, TtftMs; not a property called Ms); every suffix starts
            // with a capital, so it is a hump of its own.
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            {
                unit = unitText;
                name = name[..^suffix.Length];
                break;
            }
        }

        bool perSecond = name.EndsWith("PerSecond", StringComparison.Ordinal) && name.Length > "PerSecond".Length;
        if (perSecond) name = name[..^"PerSecond".Length];
        var words = Humps(name).Select((w, i) => Acronyms.TryGetValue(w, out var a) ? a : i == 0 ? w : w.ToLowerInvariant()).ToList();
        var text = new StringBuilder(string.Join(' ', words).Replace("nter token", "nter-token", StringComparison.Ordinal));
        if (perSecond) text.Append("/s");
        if (unit is not null) text.Append(" (").Append(unit).Append(')');
        return text.ToString();
    }

    /// <summary>PascalCase humps; a run of capitals stays one word (<c>GBps</c>, <c>IQ4</c>), digits join the hump before them (<c>P50</c>).</summary>
    private static IEnumerable<string> Humps(string name)
    {
        var start = 0;
        for (var i = 1; i < name.Length; i++)
        {
            var startsHump = char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (!startsHump) continue;
            yield return name[start..i];
            start = i;
        }

        if (start < name.Length) yield return name[start..];
    }
}
