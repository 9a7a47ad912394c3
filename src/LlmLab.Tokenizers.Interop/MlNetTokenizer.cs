using System.Buffers;
using Microsoft.ML.Tokenizers;
using LlmLabTokenizer = LlmLab.Tokenization.Tokenizer;

namespace LlmLab.Tokenizers.Interop;

/// <summary>
/// LlmLab's tokenizer as a <see cref="Tokenizer"/> of Microsoft.ML.Tokenizers 3.0, so ML.NET code (text classification
/// pipelines, token counting, truncation by token budget) can use any Hugging Face <c>tokenizer.json</c> LlmLab loads —
/// byte-level BPE (Llama-3, Qwen, GPT-2) and SentencePiece-style BPE with byte fallback, neither of which
/// Microsoft.ML.Tokenizers loads from a <c>tokenizer.json</c> itself. Ids are LlmLab's (which equal HF tokenizers').
/// </summary>
/// <remarks>
/// <para>Normalisation and pre-tokenisation are part of the tokenizer's definition, so they always run: the
/// <see cref="EncodeSettings.ConsiderNormalization"/> and <see cref="EncodeSettings.ConsiderPreTokenization"/> flags
/// are accepted and have no effect, and <see cref="Tokenizer.Normalizer"/> and <see cref="Tokenizer.PreTokenizer"/> are null.</para>
/// <para>Offsets: each token's range is the text it completes when ids are decoded one at a time (LlmLab's
/// <see cref="Tokenization.TokenStreamDecoder"/>), so a character split over several byte tokens belongs to the token
/// that completes it and the others get an empty range. Ranges index the input text when decoding the ids gives it back
/// exactly (the usual case); otherwise they index that decoded text, returned as <see cref="EncodeResults{T}.NormalizedText"/>.</para>
/// </remarks>
public sealed class MlNetTokenizer : Tokenizer
{
    private readonly LlmLabTokenizer _tokenizer;
    private readonly bool _addSpecialTokens;

    /// <summary>Wraps a loaded LlmLab tokenizer.</summary>
    /// <param name="tokenizer">The tokenizer (e.g. <see cref="LlmLabTokenizer.FromFile"/> of a <c>tokenizer.json</c>).</param>
    /// <param name="addSpecialTokens">Let the post-processor add its special tokens (e.g. Llama-3's BOS), like HF's <c>add_special_tokens=True</c>; off by default, as ML.NET's own BPE adds none.</param>
    public MlNetTokenizer(LlmLabTokenizer tokenizer, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _addSpecialTokens = addSpecialTokens;
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> (or <c>.json.gz</c>) with LlmLab's loader.</summary>
    /// <exception cref="InvalidTokenizerException">The file is not a valid tokenizer or uses a feature LlmLab does not implement.</exception>
    public static MlNetTokenizer FromFile(string path, bool addSpecialTokens = false) => new(LlmLabTokenizer.FromFile(path), addSpecialTokens);

    /// <summary>The wrapped LlmLab tokenizer.</summary>
    public LlmLabTokenizer Inner => _tokenizer;

    /// <inheritdoc/>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var input = text ?? textSpan.ToString();
        var ids = Limit(_tokenizer.Encode(input, _addSpecialTokens), settings.MaxTokenCount);
        var decoder = _tokenizer.CreateStreamDecoder();
        var decoded = new System.Text.StringBuilder(input.Length);
        var tokens = new List<EncodedToken>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            var start = decoded.Length;
            decoded.Append(decoder.Append(ids[i]));
            // Text still held back after the last token (a SentencePiece start, a byte run) completes with it.
            if (i == ids.Length - 1) decoded.Append(decoder.Flush());
            tokens.Add(new EncodedToken(ids[i], _tokenizer.IdToToken(ids[i]) ?? "", new Range(start, decoded.Length)));
        }

        var whole = decoded.ToString();
        var exact = input.StartsWith(whole, StringComparison.Ordinal);
        return new EncodeResults<EncodedToken>
        {
            Tokens = tokens,
            NormalizedText = exact ? null : whole,
            CharsConsumed = whole.Length,
        };
    }

    /// <inheritdoc/>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var input = text ?? textSpan.ToString();
        var ids = _tokenizer.Encode(input, _addSpecialTokens);
        if (ids.Length <= settings.MaxTokenCount) return new EncodeResults<int> { Tokens = ids, CharsConsumed = input.Length };

        // Truncated: the characters consumed are those the kept tokens complete, which the token path works out.
        var tokens = EncodeToTokens(input, default, settings);
        return new EncodeResults<int> { Tokens = tokens.Tokens.Select(t => t.Id).ToArray(), NormalizedText = tokens.NormalizedText, CharsConsumed = tokens.CharsConsumed };
    }

    /// <inheritdoc/>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        Math.Min(_tokenizer.Encode(text ?? textSpan.ToString(), _addSpecialTokens).Length, settings.MaxTokenCount);

    /// <inheritdoc/>
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _tokenizer.Decode(ids.ToArray());
    }

    /// <summary>
    /// Decodes into <paramref name="destination"/>: <see cref="OperationStatus.Done"/> when all the text fits, else
    /// <see cref="OperationStatus.DestinationTooSmall"/> with the text of the first <paramref name="idsConsumed"/> ids written.
    /// </summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var decoder = _tokenizer.CreateStreamDecoder();
        var list = ids as IReadOnlyList<int> ?? ids.ToArray();
        idsConsumed = 0;
        charsWritten = 0;
        for (var i = 0; i < list.Count; i++)
        {
            var piece = decoder.Append(list[i]);
            if (i == list.Count - 1) piece += decoder.Flush();
            if (!piece.AsSpan().TryCopyTo(destination[charsWritten..])) return OperationStatus.DestinationTooSmall;
            charsWritten += piece.Length;
            // An id whose text is still held back (part of a character) is consumed only with the id that completes it,
            // so decoding again from idsConsumed loses nothing.
            if (piece.Length > 0) idsConsumed = i + 1;
        }

        idsConsumed = list.Count;
        return OperationStatus.Done;
    }

    private static int[] Limit(int[] ids, int maxTokens) => ids.Length <= maxTokens ? ids : ids[..maxTokens];
}
