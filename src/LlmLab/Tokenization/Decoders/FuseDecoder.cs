namespace LlmLab.Tokenization;

/// <summary>tokenizers' <c>Fuse</c>: joins all tokens into one string.</summary>
internal sealed class FuseDecoder : TokenDecoder
{
    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        string fused = string.Concat(tokens);
        tokens.Clear();
        tokens.Add(fused);
        state.Fused = true;
    }
}
