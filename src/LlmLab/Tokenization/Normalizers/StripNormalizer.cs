namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Strip</c> normalizer: removes leading and/or trailing whitespace.</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text)
    {
        if (left) text = text.TrimStart();
        if (right) text = text.TrimEnd();
        return text;
    }
}
