namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Replace</c> decoder: in each token, every match of a pattern becomes <c>content</c>.</summary>
internal sealed class ReplaceDecoder(TextPattern pattern, string content) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        for (int i = 0; i < tokens.Count; i++) tokens[i] = pattern.Replace(tokens[i], content);
    }
}
