using System.Buffers;
using System.Globalization;
using System.Text;

namespace LlmLab.Tokenization;

/// <summary>Where an added token was found: <c>[Start, End)</c> in UTF-16 units, whitespace it strips included.</summary>
internal readonly record struct AddedTokenMatch(int Start, int End, int Id);

/// <summary>
/// Finds added tokens in a text the way tokenizers' <c>AddedVocabulary</c> does: leftmost-longest
/// non-overlapping matches (an Aho-Corasick scan there, a trie walk here), then the
/// <c>single_word</c>, <c>lstrip</c> and <c>rstrip</c> rules of the matched token.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<long, int> _edges = []; // (node << 16 | char) → child node
    private readonly List<AddedToken?> _terminal = [null]; // node → token ending there
    private readonly SearchValues<char> _firstChars;

    /// <param name="patterns">Each token with the text to look for (its content, normalized when the token is).</param>
    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> patterns)
    {
        var first = new HashSet<char>();
        foreach (var (pattern, token) in patterns)
        {
            if (pattern.Length == 0) continue;
            first.Add(pattern[0]);
            int node = 0;
            foreach (char c in pattern)
            {
                long key = ((long)node << 16) | c;
                if (!_edges.TryGetValue(key, out int child))
                {
                    child = _terminal.Count;
                    _terminal.Add(null);
                    _edges.Add(key, child);
                }
                node = child;
            }
            // Same content twice: the first entry of added_tokens wins.
            _terminal[node] ??= token;
        }
        _firstChars = SearchValues.Create(first.ToArray());
        IsEmpty = first.Count == 0;
    }

    public bool IsEmpty { get; }

    /// <summary>Appends the added tokens found in <paramref name="text"/>, in order, non-overlapping.</summary>
    public void FindMatches(ReadOnlySpan<char> text, List<AddedTokenMatch> output)
    {
        if (IsEmpty) return;
        int previousEnd = 0; // end of the last accepted match (tokenizers' start_offset)
        int position = 0;
        while (position < text.Length)
        {
            int skip = text[position..].IndexOfAny(_firstChars);
            if (skip < 0) break;
            position += skip;
            var (token, length) = LongestAt(text, position);
            if (token is null)
            {
                position++;
                continue;
            }
            int start = position;
            int stop = position + length;
            position = stop; // scanning resumes after the raw match, whether or not it is kept
            if (token.SingleWord && (EndsWithWordChar(text[..start]) || StartsWithWordChar(text[stop..]))) continue;
            if (token.LeftStrip) start = Math.Max(start - TrailingWhitespace(text[..start]), previousEnd);
            if (token.RightStrip) stop += LeadingWhitespace(text[stop..]);
            start = Math.Max(start, previousEnd);
            output.Add(new AddedTokenMatch(start, stop, token.Id));
            previousEnd = stop;
            position = Math.Max(position, stop);
        }
    }

    private (AddedToken? Token, int Length) LongestAt(ReadOnlySpan<char> text, int position)
    {
        AddedToken? best = null;
        int bestLength = 0;
        int node = 0;
        for (int i = position; i < text.Length; i++)
        {
            if (!_edges.TryGetValue(((long)node << 16) | text[i], out node)) break;
            if (_terminal[node] is { } t)
            {
                best = t;
                bestLength = i + 1 - position;
            }
        }
        return (best, bestLength);
    }

    private static int TrailingWhitespace(ReadOnlySpan<char> s)
    {
        int n = 0;
        while (n < s.Length && char.IsWhiteSpace(s[s.Length - 1 - n])) n++;
        return n;
    }

    private static int LeadingWhitespace(ReadOnlySpan<char> s)
    {
        int n = 0;
        while (n < s.Length && char.IsWhiteSpace(s[n])) n++;
        return n;
    }

    private static bool StartsWithWordChar(ReadOnlySpan<char> s) =>
        Rune.DecodeFromUtf16(s, out var rune, out _) == OperationStatus.Done && IsWordChar(rune);

    private static bool EndsWithWordChar(ReadOnlySpan<char> s) =>
        Rune.DecodeLastFromUtf16(s, out var rune, out _) == OperationStatus.Done && IsWordChar(rune);

    /// <summary>Unicode <c>\w</c> as the Rust regex crate defines it (letters, marks, digits, connectors, joiners).</summary>
    public static bool IsWordChar(Rune rune)
    {
        if (rune.Value is 0x200C or 0x200D) return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }
}
