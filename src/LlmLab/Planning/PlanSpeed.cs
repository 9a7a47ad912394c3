namespace LlmLab.Planning;

/// <summary>Predicted speed of a whole plan, with the figures derived from it.</summary>
/// <param name="DecodeTokensPerSecond">1 ÷ the sum of the devices' ms per token (transfers of the hidden state between devices neglected: KiB per token).</param>
/// <param name="PrefillTokensPerSecond">
/// 1 ÷ the sum over the layers' devices of their share of the FLOPs per prompt token ÷ their prefill rate
/// (<see cref="PlanDevice.PrefillFlopsPerSecond"/>: a catalog GPU's tensor throughput × <see cref="MemoryPlanner.PrefillFractionOfPeak"/>,
/// the CPU's matmul probe × <see cref="PlanDevice.CpuPrefillFractionOfProbe"/>); null unless every layer's device has a rate.
/// </param>
/// <param name="TokensPerJoule">Decode tok/s ÷ the GPUs' TDP; null unless every device is a catalog GPU.</param>
/// <param name="UsdPerMillionTokens">Launch price ÷ the tokens decoded over <see cref="MemoryPlanner.AmortizationYears"/> years of continuous use, per 10⁶; null without a price.</param>
/// <param name="PrefillFlopsPerToken">FLOPs one prompt token costs (2 per weight of the layers + attention over half the context).</param>
public sealed record PlanSpeed(double DecodeTokensPerSecond, double? PrefillTokensPerSecond, double? TokensPerJoule, double? UsdPerMillionTokens, double PrefillFlopsPerToken)
{
    /// <summary>
    /// Time to first token of the plan's prompt (<see cref="ModelPlan.PromptTokens"/> per sequence × batch), ms:
    /// <see cref="PrefillPrediction.TtftMs"/> with FLOPs per token at a context of the prompt's length and the output
    /// head read once at the output device's decode bandwidth; null without a prompt or a prefill rate.
    /// </summary>
    public double? TtftMs { get; init; }

    /// <summary>Where the prefill rates come from (each device's basis, joined), for the printed arithmetic.</summary>
    public string? PrefillBasis { get; init; }
}
