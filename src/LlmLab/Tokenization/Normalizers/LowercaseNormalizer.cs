namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Lowercase</c> (.NET's invariant simple case mapping; Rust uses the full mapping, which differs only for a handful of characters such as U+0130).</summary>
internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}
