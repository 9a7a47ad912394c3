namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Prepend</c>: puts a fixed string (SentencePiece's <c>▁</c>) in front of non-empty text.</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
