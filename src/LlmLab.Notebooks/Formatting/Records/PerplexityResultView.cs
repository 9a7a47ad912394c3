using LlmLab.Evaluation;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out a <see cref="PerplexityResult"/>: the perplexity, its mean NLL and the windows it was measured over.</summary>
internal static class PerplexityResultView
{
    public static RecordView Of(PerplexityResult r)
    {
        var facts = new[]
        {
            new Fact("Mean NLL", Invariant($"{r.MeanNll:F5} nats per token (perplexity = e^NLL)")),
            new Fact("Tokens scored", Invariant($"{Count(r.TokensScored)}: {r.Windows} windows of {r.WindowLength} tokens, each predicting tokens 1..{r.WindowLength - 1} from its own prefix")),
            new Fact("Time", Invariant($"{r.Seconds:F2} s on {r.Device}")),
        };
        return new RecordView(Invariant($"Perplexity {r.Perplexity:F3}"), [new FactsBlock(facts)]);
    }
}
