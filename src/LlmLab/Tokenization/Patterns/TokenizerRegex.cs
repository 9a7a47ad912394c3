using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// A regex from a tokenizer.json, translated from Oniguruma to .NET, compiled, and run with a
/// match timeout so that a catastrophically backtracking pattern fails instead of hanging.
/// </summary>
/// <remarks>
/// Oniguruma matches code points; .NET matches UTF-16 units, so <c>\p{L}</c> does not match a
/// letter outside the BMP (CJK extension B, mathematical alphanumerics...) and <c>[^\s]</c>
/// matches half of one. When the text holds surrogate pairs we therefore match on a stand-in
/// string in which each supplementary code point is one BMP character of the same Unicode
/// category (one the pattern does not mention), then map the match offsets back.
/// </remarks>
internal sealed class TokenizerRegex : TextPattern
{
    /// <summary>
    /// Longest time one match may take. The GPT-2/Llama-3/Qwen patterns run in microseconds per
    /// match; only exponential backtracking gets near this, and then it would never finish.
    /// </summary>
    public static readonly TimeSpan DefaultMatchTimeout = TimeSpan.FromSeconds(2);

    private static readonly int CategoryCount = Enum.GetValues<UnicodeCategory>().Length;

    private readonly Regex _regex;
    private readonly string _path;
    private readonly string _source;
    private readonly char[]? _standIns; // UnicodeCategory → BMP stand-in; null when the pattern itself names astral characters

    private TokenizerRegex(Regex regex, string path, string source, char[]? standIns)
    {
        _regex = regex;
        _path = path;
        _source = source;
        _standIns = standIns;
    }

    /// <summary>The .NET pattern actually run (after translation).</summary>
    public string DotNetPattern => _regex.ToString();

    public static TokenizerRegex Compile(string pattern, JsonField field, TimeSpan timeout)
    {
        string translated;
        try
        {
            translated = OnigurumaTranslator.ToDotNet(pattern);
        }
        catch (FormatException e)
        {
            throw field.Fail($"regex {JsonField.Quote(pattern)} uses {e.Message}", "rewrite the pattern with constructs .NET regexes support");
        }

        Regex regex;
        try
        {
            regex = new Regex(translated, RegexOptions.Compiled | RegexOptions.CultureInvariant, timeout);
        }
        catch (ArgumentException e)
        {
            throw field.Fail($"regex {JsonField.Quote(pattern)} does not compile as a .NET regex ({e.Message})",
                "fix the pattern; Oniguruma-only syntax other than possessive quantifiers, \\x{...}, \\h and \\p{^X} is not translated", e);
        }

        bool namesAstral = pattern.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0
            || pattern.Contains("\\x{1", StringComparison.Ordinal);
        return new TokenizerRegex(regex, field.Path, field.Source, namesAstral ? null : PickStandIns(pattern));
    }

    public override void ForEachMatch(ReadOnlySpan<char> text, IMatchSink sink)
    {
        try
        {
            if (_standIns is not null && text.IndexOfAnyInRange('\uD800', '\uDFFF') >= 0)
            {
                ForEachMatchOverStandIns(text, sink);
                return;
            }
            foreach (var m in _regex.EnumerateMatches(text))
            {
                sink.OnMatch(m.Index, m.Length);
            }
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new InvalidTokenizerException(
                $"{_source}: {_path}: the regex ran longer than {_regex.MatchTimeout.TotalSeconds:0.###} s on one match of a {text.Length}-character text (catastrophic backtracking); fix the pattern in the tokenizer.json or encode the text in smaller pieces",
                e);
        }
    }

    private void ForEachMatchOverStandIns(ReadOnlySpan<char> text, IMatchSink sink)
    {
        // shadow[k] stands for the code point that starts at text[offsets[k]]; offsets[^1] = text.Length.
        var shadow = new char[text.Length];
        var offsets = new int[text.Length + 1];
        int n = 0;
        for (int i = 0; i < text.Length; n++)
        {
            offsets[n] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int scalar = char.ConvertToUtf32(text[i], text[i + 1]);
                shadow[n] = _standIns![(int)CharUnicodeInfo.GetUnicodeCategory(scalar)];
                i += 2;
            }
            else
            {
                shadow[n] = text[i];
                i++;
            }
        }
        offsets[n] = text.Length;
        foreach (var m in _regex.EnumerateMatches(shadow.AsSpan(0, n)))
        {
            int start = offsets[m.Index];
            sink.OnMatch(start, offsets[m.Index + m.Length] - start);
        }
    }

    /// <summary>
    /// For each Unicode category, the first BMP character from U+0100 up of that category that the
    /// pattern does not mention (in either case), so that stand-ins only match category classes.
    /// </summary>
    private static char[] PickStandIns(string pattern)
    {
        var mentioned = new HashSet<char>();
        foreach (char c in pattern)
        {
            mentioned.Add(c);
            mentioned.Add(char.ToLowerInvariant(c));
            mentioned.Add(char.ToUpperInvariant(c));
        }
        var standIns = new char[CategoryCount];
        var found = new bool[CategoryCount];
        for (int c = 0x100; c <= 0xFFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            char ch = (char)c;
            int category = (int)CharUnicodeInfo.GetUnicodeCategory(ch);
            if (found[category] || mentioned.Contains(ch)) continue;
            if (char.ToLowerInvariant(ch) != ch && mentioned.Contains(char.ToLowerInvariant(ch))) continue;
            if (char.ToUpperInvariant(ch) != ch && mentioned.Contains(char.ToUpperInvariant(ch))) continue;
            standIns[category] = ch;
            found[category] = true;
        }
        for (int k = 0; k < CategoryCount; k++)
        {
            // Categories with no BMP member above U+00FF (Cc) have no supplementary members either.
            if (!found[k]) standIns[k] = '\uFFFD';
        }
        return standIns;
    }

    /// <summary>Describes the pattern for diagnostics.</summary>
    public override string ToString() => new StringBuilder("Regex ").Append(JsonField.Quote(DotNetPattern)).ToString();
}
