namespace LlmLab.Tokenization;

/// <summary>Runs its decoders in order over the token list.</summary>
internal sealed class SequenceDecoder(TokenDecoder[] steps) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens, ref DecodeState state)
    {
        foreach (var step in steps) step.DecodeChain(tokens, ref state);
    }

    public override IEnumerable<TokenDecoder> Steps => steps.SelectMany(s => s.Steps);
}
