namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Replace</c> normalizer: every match of a pattern becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : Normalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content);
}
