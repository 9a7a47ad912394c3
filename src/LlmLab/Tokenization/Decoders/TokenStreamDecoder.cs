namespace LlmLab.Tokenization;

/// <summary>
/// Incremental decoding for generation: <see cref="Append"/> takes one id and returns the text it
/// completes, so that the concatenation of everything returned (plus <see cref="Flush"/>) equals
/// <see cref="Tokenizer.Decode"/> of all the ids.
/// </summary>
/// <remarks>
/// Text is returned only once it is final. The decoder keeps a window of the tokens whose text
/// is not final yet and decodes that window alone, told whether it starts the text; it holds back
/// (returns "") while the window's text ends in U+FFFD (a UTF-8 character split across tokens),
/// while the last token is a <c>&lt;0xNN&gt;</c> byte token (a byte run decodes as a whole), and
/// while the text start has not been settled (SentencePiece's leading space is stripped only from
/// the first token of the text). The window then restarts after the last token, so each id costs
/// a decode of a token or two. Not thread-safe; use one per generation.
/// </remarks>
public sealed class TokenStreamDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<string> _window = [];
    private bool _windowAtTextStart = true;
    private int _emitted; // characters of the window's text already returned

    internal TokenStreamDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one token id; returns the newly completed text (often empty while a character is incomplete).</summary>
    /// <param name="id">The next token id; an id that names no token (or a skipped special token) adds nothing.</param>
    public string Append(int id)
    {
        string? token = _tokenizer.TokenForDecode(id, _skipSpecialTokens);
        if (token is null) return "";
        _window.Add(token);

        string text = DecodeWindow(atTextEnd: false);
        if (text.EndsWith('\uFFFD')) return "";
        if (_tokenizer.DecoderHasByteFallback && ByteFallbackDecoder.TryParseByteToken(token, out _)) return "";

        int hold = HeldBackLength(text);
        int end = text.Length - hold;
        string fresh = end > _emitted ? text[_emitted..end] : "";
        _emitted = Math.Max(_emitted, end);

        // Restart the window after this token once nothing in it can change any more. At the text
        // start that needs some output first: a stripped leading space may still come from the next token.
        if (hold == 0 && (!_windowAtTextStart || _emitted > 0))
        {
            _window.Clear();
            _emitted = 0;
            _windowAtTextStart = false;
        }
        return fresh;
    }

    /// <summary>Ends the text: returns whatever is still held back and resets the decoder for a new text.</summary>
    public string Flush()
    {
        string fresh = "";
        if (_window.Count > 0)
        {
            string text = DecodeWindow(atTextEnd: true);
            if (text.Length > _emitted) fresh = text[_emitted..];
        }
        _window.Clear();
        _emitted = 0;
        _windowAtTextStart = true;
        return fresh;
    }

    private string DecodeWindow(bool atTextEnd) =>
        _tokenizer.DecodeTokens([.. _window], new DecodeState { AtTextStart = _windowAtTextStart, AtTextEnd = atTextEnd });

    /// <summary>How many trailing characters might still be stripped as the end of the text.</summary>
    private int HeldBackLength(string text)
    {
        var (content, count) = _tokenizer.StreamHold;
        if (count == 0) return 0;
        int length = 0;
        for (int n = 0; n < count && length < text.Length; n++)
        {
            System.Text.Rune.DecodeLastFromUtf16(text.AsSpan(0, text.Length - length), out var r, out int width);
            if (r != content) break;
            length += width;
        }
        return length;
    }
}
