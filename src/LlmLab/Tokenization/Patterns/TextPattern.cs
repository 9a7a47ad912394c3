using LlmLab.Formats;
namespace LlmLab.Tokenization;

/// <summary>
/// The <c>pattern</c> of a Split pre-tokenizer or a Replace normalizer/decoder: either
/// <c>{"String": "..."}</c> (a literal) or <c>{"Regex": "..."}</c> (an Oniguruma regex that we
/// translate to .NET and run with a timeout).
/// </summary>
internal abstract class TextPattern
{
    /// <summary>Reports the non-overlapping matches in <paramref name="text"/>, left to right.</summary>
    public abstract void ForEachMatch(ReadOnlySpan<char> text, IMatchSink sink);

    /// <summary>Appends the non-overlapping matches in <paramref name="text"/>, left to right.</summary>
    public void FindMatches(ReadOnlySpan<char> text, List<MatchSpan> matches) => ForEachMatch(text, new MatchList(matches));

    /// <summary>Reads <c>{"String": s}</c> or <c>{"Regex": r}</c>.</summary>
    public static TextPattern FromJson(JsonField field, TimeSpan regexTimeout)
    {
        if (field.Find("String") is { } literal)
        {
            string s = literal.GetString();
            if (s.Length == 0) throw literal.Fail("is empty, so it would match between every two characters", "give the literal text to split on or replace");
            return new LiteralPattern(s);
        }
        if (field.Find("Regex") is { } regex)
        {
            return TokenizerRegex.Compile(regex.GetString(), regex, regexTimeout);
        }
        throw field.Fail("has neither a \"String\" nor a \"Regex\" member", "write the pattern as {\"String\": \"...\"} or {\"Regex\": \"...\"}");
    }

    /// <summary>Replaces every match of this pattern in <paramref name="text"/> by <paramref name="content"/>.</summary>
    public string Replace(string text, string content)
    {
        var matches = new List<MatchSpan>();
        FindMatches(text, matches);
        if (matches.Count == 0) return text;
        var sb = new System.Text.StringBuilder(text.Length + matches.Count * content.Length);
        int position = 0;
        foreach (var m in matches)
        {
            sb.Append(text, position, m.Start - position).Append(content);
            position = m.End;
        }
        return sb.Append(text, position, text.Length - position).ToString();
    }

    private sealed class MatchList(List<MatchSpan> matches) : IMatchSink
    {
        public void OnMatch(int start, int length) => matches.Add(new MatchSpan(start, length));
    }
}
