using LlmLab.Tokenization;

namespace LlmLab.Evaluation;

/// <summary>
/// A text tokenized once for <see cref="ModelComparison"/>, as llama-perplexity tokenizes its input: the whole text
/// in one piece with the tokenizer's special tokens, so it starts with BOS when the tokenizer adds one.
/// </summary>
/// <remarks>
/// One difference remains: added tokens spelled out in the text (e.g. a literal <c>&lt;|endoftext|&gt;</c>) become
/// their ids here, as Hugging Face tokenizers encode them, where llama-perplexity tokenizes without parsing specials.
/// </remarks>
/// <param name="Source">The file (or name) the text came from, for messages and the result.</param>
/// <param name="Tokens">The token ids of the whole text.</param>
/// <param name="BosTokenId">The BOS the tokenizer puts first (each chunk's first token is replaced by it), or null when it adds none.</param>
public sealed record ComparisonText(string Source, IReadOnlyList<int> Tokens, int? BosTokenId)
{
    /// <summary>
    /// Encodes <paramref name="text"/> with special tokens. The tokenizer "adds BOS" (llama.cpp's <c>add_bos</c>) when
    /// encoding the empty text with special tokens yields its BOS first, i.e. its post-processor puts one there.
    /// </summary>
    public static ComparisonText Encode(Tokenizer tokenizer, string text, string source)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(text);
        int? bos = tokenizer.BosTokenId is { } id && tokenizer.Encode("", addSpecialTokens: true) is [var leading, ..] && leading == id ? id : null;
        return new ComparisonText(source, tokenizer.Encode(text, addSpecialTokens: true), bos);
    }
}
