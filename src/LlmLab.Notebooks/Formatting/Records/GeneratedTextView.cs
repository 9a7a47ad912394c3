using LlmLab.Generation;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out a <see cref="GeneratedText"/>: the prompt (emphasised) and its completion, then token counts, TTFT and tokens/s.</summary>
internal static class GeneratedTextView
{
    public static RecordView Of(GeneratedText g)
    {
        var stop = g.Stop switch
        {
            StopReason.EndOfSequence => "stopped at the end-of-sequence token",
            StopReason.MaxTokens => "stopped at the token budget",
            _ => "stopped when the context was full",
        };
        var facts = new[]
        {
            new Fact("Tokens", Invariant($"{g.PromptTokens} in the prompt, {g.NewTokens} generated ({stop})")),
            new Fact("Time to first token", Ms(g.TimeToFirstTokenMs)),
            new Fact("Decode", g.NewTokens > 1 ? TokensPerSecond(g.DecodeTokensPerSecond) : "(one token: no decode step to time)"),
            new Fact("Total", Ms(g.TotalMs)),
        };
        return new RecordView(Invariant($"Generated {g.NewTokens} tokens on {g.Device}"), [new PassageBlock(g.Prompt, g.Completion), new FactsBlock(facts)]);
    }
}
