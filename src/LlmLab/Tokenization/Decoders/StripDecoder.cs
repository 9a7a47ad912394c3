using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>Strip</c> decoder: removes up to <c>start</c> leading and <c>stop</c> trailing
/// copies of one character from each token. After a Fuse the single token is the whole text, so
/// it strips the text's ends; a streaming window that does not reach an end leaves it alone.
/// </summary>
internal sealed class StripDecoder(Rune content, int start, int stop) : TokenDecoder
{
    /// <summary>Upper bound on start/stop; real files use 0 or 1.</summary>
    private const int MaxStrip = 1 << 20;

    public Rune Content => content;

    public int Stop => stop;

    public static StripDecoder FromJson(JsonField field)
    {
        var contentField = field.Get("content");
        string text = contentField.GetString();
        if (text.EnumerateRunes().Count() != 1)
        {
            throw contentField.Fail($"is {JsonField.Quote(text)}, expected exactly one character", "give the single character to strip, e.g. \" \"");
        }
        return new StripDecoder(Rune.GetRuneAt(text, 0), field.Int32("start", 0, MaxStrip), field.Int32("stop", 0, MaxStrip));
    }

    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        bool stripStart = !state.Fused || state.AtTextStart;
        bool stripStop = !state.Fused || state.AtTextEnd;
        for (int i = 0; i < tokens.Count; i++)
        {
            tokens[i] = StripToken(tokens[i], stripStart ? start : 0, stripStop ? stop : 0);
        }
    }

    private string StripToken(string token, int maxStart, int maxStop)
    {
        int from = 0;
        for (int n = 0; n < maxStart && from < token.Length; n++)
        {
            Rune.DecodeFromUtf16(token.AsSpan(from), out var r, out int width);
            if (r != content) break;
            from += width;
        }
        int to = token.Length;
        for (int n = 0; n < maxStop && to > from; n++)
        {
            Rune.DecodeLastFromUtf16(token.AsSpan(from, to - from), out var r, out int width);
            if (r != content) break;
            to -= width;
        }
        return from == 0 && to == token.Length ? token : token[from..to];
    }
}
