namespace LlmLab.Tokenization;

/// <summary>
/// A BPE tokenizer loaded from a Hugging Face <c>tokenizer.json</c>, giving the same ids as the
/// <c>tokenizers</c> library: byte-level BPE (GPT-2, Llama-3, Qwen) and SentencePiece-style BPE
/// with byte fallback (Llama-2, Mistral).
/// </summary>
/// <remarks>
/// Encoding runs tokenizers' pipeline: added tokens are found in the raw text first; each stretch
/// between them is normalized, searched again for the added tokens that match normalized text,
/// pre-tokenized into pieces, and each piece is encoded by the BPE model; finally the
/// post-processor adds the special tokens (BOS...) when asked to. Instances are immutable apart
/// from an internal cache and may be used from several threads.
/// </remarks>
public sealed partial class Tokenizer
{
    /// <summary>Number of token ids: the largest id of the vocabulary or the added tokens, plus one.</summary>
    public int VocabSize { get; }

    /// <summary>
    /// The beginning-of-sequence token: the special token the post-processor puts first, or else
    /// an added special token spelled like a BOS (<c>&lt;|begin_of_text|&gt;</c>, <c>&lt;s&gt;</c>,
    /// <c>&lt;bos&gt;</c>, <c>&lt;|startoftext|&gt;</c>); <c>null</c> if there is none.
    /// </summary>
    public int? BosTokenId { get; }

    /// <summary>The file name given when loading, used in error messages.</summary>
    public string Source => _source;

    /// <summary>Encodes <paramref name="text"/> into token ids.</summary>
    /// <param name="text">The text; any string, including empty.</param>
    /// <param name="addSpecialTokens">Let the post-processor add its special tokens (e.g. BOS), like tokenizers' <c>add_special_tokens=True</c>.</param>
    /// <exception cref="InvalidTokenizerException">A regex of the tokenizer exceeded its match timeout on this text.</exception>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var work = new EncodeScratch(_model, ids);
        var matches = new List<AddedTokenMatch>();
        _rawAddedTokens.FindMatches(text, matches);
        int position = 0;
        foreach (var m in matches)
        {
            EncodeSegment(text, position, m.Start - position, ids, work);
            ids.Add(m.Id);
            position = m.End;
        }
        EncodeSegment(text, position, text.Length - position, ids, work);

        if (addSpecialTokens && _postProcessor is not null) ids = _postProcessor.AddSpecialTokens(ids);
        return ids.ToArray();
    }

    /// <summary>Decodes ids back to text, like tokenizers' <c>decode(ids, skip_special_tokens)</c>.</summary>
    /// <param name="ids">Token ids; ids that name no token are skipped, as tokenizers does.</param>
    /// <param name="skipSpecialTokens">Leave out special added tokens (BOS, EOS, chat markers).</param>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (TokenForDecode(id, skipSpecialTokens) is { } token) tokens.Add(token);
        }
        return DecodeTokens(tokens, DecodeState.WholeText);
    }

    /// <summary>The id of a token string (added tokens first, then the model vocabulary), or <c>null</c>.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _addedByContent.TryGetValue(token, out int id) ? id : _model.TokenToId(token);
    }

    /// <summary>The token string of an id (in byte-level vocabularies, e.g. <c>Ġthe</c>), or <c>null</c> for an unused id.</summary>
    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var added) ? added.Content : _model.IdToToken(id);

    /// <summary>Whether <paramref name="id"/> is a special added token (skipped by <c>Decode(..., skipSpecialTokens: true)</c>).</summary>
    public bool IsSpecial(int id) => _addedById.TryGetValue(id, out var added) && added.Special;

    /// <summary>A decoder for generation: feed ids one at a time and get the text they complete.</summary>
    public TokenStreamDecoder CreateStreamDecoder() => new(this, skipSpecialTokens: false);

    /// <summary>A decoder for generation that leaves special tokens out of the text.</summary>
    /// <param name="skipSpecialTokens">Leave out special added tokens, as <see cref="Decode"/> does.</param>
    public TokenStreamDecoder CreateStreamDecoder(bool skipSpecialTokens) => new(this, skipSpecialTokens);

    /// <inheritdoc/>
    public override string ToString() => $"Tokenizer({_source}, {VocabSize} ids)";

    /// <summary>The string a decode starts from for <paramref name="id"/>, or <c>null</c> when it is skipped.</summary>
    internal string? TokenForDecode(int id, bool skipSpecialTokens)
    {
        if (_addedById.TryGetValue(id, out var added)) return skipSpecialTokens && added.Special ? null : added.Content;
        return _model.IdToToken(id);
    }

    /// <summary>Runs the decoder over <paramref name="tokens"/> (consumed) and returns the text.</summary>
    internal string DecodeTokens(List<string> tokens, DecodeState state)
    {
        if (_decoder is null)
        {
            // tokenizers joins with spaces when there is no decoder; a window after the start continues the join.
            string joined = string.Join(' ', tokens);
            return !state.AtTextStart && tokens.Count > 0 ? " " + joined : joined;
        }
        _decoder.DecodeChain(tokens, ref state);
        return string.Concat(tokens);
    }

    /// <summary>A stretch of the raw text between added tokens: normalize, split off normalized added tokens, encode.</summary>
    private void EncodeSegment(string text, int start, int length, List<int> ids, EncodeScratch work)
    {
        if (length <= 0) return;
        bool atTextStart = start == 0;
        string s = text;
        if (_normalizer is not null)
        {
            s = _normalizer.Normalize(text.Substring(start, length));
            start = 0;
            length = s.Length;
            if (length == 0) return;
        }

        if (_normalizedAddedTokens.IsEmpty)
        {
            EncodePlain(new TextPiece(s, start, length, atTextStart, ByteLevel: false), ids, work);
            return;
        }
        work.Matches.Clear();
        _normalizedAddedTokens.FindMatches(s.AsSpan(start, length), work.Matches);
        int position = 0;
        var segment = new TextPiece(s, start, length, atTextStart, ByteLevel: false);
        foreach (var m in work.Matches)
        {
            if (m.Start > position) EncodePlain(segment.Slice(position, m.Start - position), ids, work);
            ids.Add(m.Id);
            position = m.End;
        }
        if (position < length) EncodePlain(segment.Slice(position, length - position), ids, work);
    }

    /// <summary>Text with no added token in it: pre-tokenize, then encode each piece with the model.</summary>
    private void EncodePlain(in TextPiece segment, List<int> ids, EncodeScratch work)
    {
        if (_preTokenizer is null)
        {
            _model.Encode(segment, ids);
            return;
        }
        _preTokenizer.Split(segment, work.Model);
    }

    /// <summary>State reused across the segments of one <see cref="Encode"/> call.</summary>
    private sealed class EncodeScratch(BpeModel model, List<int> ids)
    {
        public readonly List<AddedTokenMatch> Matches = [];

        /// <summary>The end of the pre-tokenizer pipeline: each piece is encoded as it comes.</summary>
        public readonly IPieceSink Model = new ModelSink(model, ids);
    }

    private sealed class ModelSink(BpeModel model, List<int> ids) : IPieceSink
    {
        public void Add(in TextPiece piece) => model.Encode(piece, ids);
    }
}
