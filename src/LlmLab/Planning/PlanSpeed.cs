namespace LlmLab.Planning;

/// <summary>Predicted speed of a whole plan, with the figures derived from it.</summary>
/// <param name="DecodeTokensPerSecond">1 ÷ the sum of the devices' ms per token (transfers of the hidden state between devices neglected: KiB per token).</param>
/// <param name="PrefillTokensPerSecond">Tensor throughput × <see cref="MemoryPlanner.PrefillFractionOfPeak"/> ÷ FLOPs per prompt token; null unless every layer is on a catalog GPU.</param>
/// <param name="TokensPerJoule">Decode tok/s ÷ the GPUs' TDP; null unless every device is a catalog GPU.</param>
/// <param name="UsdPerMillionTokens">Launch price ÷ the tokens decoded over <see cref="MemoryPlanner.AmortizationYears"/> years of continuous use, per 10⁶; null without a price.</param>
/// <param name="PrefillFlopsPerToken">FLOPs one prompt token costs (2 per weight of the layers + attention over half the context).</param>
public sealed record PlanSpeed(double DecodeTokensPerSecond, double? PrefillTokensPerSecond, double? TokensPerJoule, double? UsdPerMillionTokens, double PrefillFlopsPerToken);
