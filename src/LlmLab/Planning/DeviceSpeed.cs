namespace LlmLab.Planning;

/// <summary>One device's share of a predicted decode step (batch 1 per sequence, KV cache at half the context).</summary>
/// <param name="BytesPerToken">Bytes the device reads per decode step: its weights (one embedding row, not the table) and its layers' K and V.</param>
/// <param name="EffectiveGBps">Bandwidth × decode efficiency, GB/s (10⁹ bytes).</param>
/// <param name="MsPerToken">BytesPerToken ÷ effective bandwidth, ms.</param>
/// <param name="Basis">Where bandwidth and efficiency come from.</param>
public sealed record DeviceSpeed(long BytesPerToken, double EffectiveGBps, double MsPerToken, string Basis);
