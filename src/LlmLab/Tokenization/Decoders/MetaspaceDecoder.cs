namespace LlmLab.Tokenization;

/// <summary>
/// tokenizers' <c>Metaspace</c> decoder: <c>▁</c> becomes a space, except in the first token of
/// the text (unless the prepend scheme is <c>never</c>), where every <c>▁</c> is dropped: that is
/// where the pre-tokenizer had prepended one.
/// </summary>
internal sealed class MetaspaceDecoder(MetaspaceMode mode) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            bool drop = i == 0 && state.AtTextStart && mode.Prepend != MetaspacePrepend.Never;
            tokens[i] = tokens[i].Replace(mode.Replacement, drop ? "" : " ", StringComparison.Ordinal);
        }
    }
}
