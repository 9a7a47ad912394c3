namespace LlmLab.Tokenization;

/// <summary>Applies its normalizers in order.</summary>
internal sealed class SequenceNormalizer(Normalizer[] steps) : Normalizer
{
    public override string Normalize(string text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}
