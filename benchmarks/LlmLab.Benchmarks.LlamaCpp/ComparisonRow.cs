namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// One (model, type) of the comparison: both systems on the same GGUF file with the same threads, P and N.
/// </summary>
/// <param name="Model">Model name (the file name before its type).</param>
/// <param name="Type">GGUF type (BF16, Q8_0, Q4_K_M, …), from the file name.</param>
/// <param name="FileBytes">Size of the GGUF file.</param>
/// <param name="BytesPerDecodeToken">
/// Bytes one decode step reads (<see cref="LlmLab.Measurement.Benchmark.BytesPerToken"/>: every weight matrix once,
/// one embedding row, K and V of P + N/2 positions), the same figure for both systems.
/// </param>
/// <param name="PromptTokens">P, the prefill length.</param>
/// <param name="DecodeTokens">N, the decode steps after the prefill.</param>
/// <param name="LlmLabPrefill">LlmLab prefill tok/s (pp).</param>
/// <param name="LlmLabDecode">LlmLab decode tok/s (tg at depth P).</param>
/// <param name="LlamaCppPrefill">llama.cpp prefill tok/s (pp).</param>
/// <param name="LlamaCppDecode">llama.cpp decode tok/s (tg at depth P).</param>
/// <param name="CopyBandwidth">Copy bandwidth of this run (bytes/s, read + write).</param>
/// <param name="LlmLabLoadSeconds">Wall time of LlmLab's load of the file (model and session, until it can run).</param>
/// <param name="LlamaCppLoadSeconds">The same for llama.cpp (weights and context).</param>
internal sealed record ComparisonRow(
    string Model, string Type, long FileBytes, long BytesPerDecodeToken, int PromptTokens, int DecodeTokens,
    Throughput LlmLabPrefill, Throughput LlmLabDecode, Throughput LlamaCppPrefill, Throughput LlamaCppDecode,
    double CopyBandwidth, double LlmLabLoadSeconds, double LlamaCppLoadSeconds)
{
    /// <summary>LlmLab ÷ llama.cpp prefill rate.</summary>
    public double PrefillRatio => LlmLabPrefill.Mean / LlamaCppPrefill.Mean;

    /// <summary>LlmLab ÷ llama.cpp decode rate.</summary>
    public double DecodeRatio => LlmLabDecode.Mean / LlamaCppDecode.Mean;

    /// <summary>Share of the copy bandwidth LlmLab's decode streams: bytes per token × tok/s ÷ bandwidth.</summary>
    public double LlmLabRoofline => BytesPerDecodeToken * LlmLabDecode.Mean / CopyBandwidth;

    /// <summary>The same for llama.cpp.</summary>
    public double LlamaCppRoofline => BytesPerDecodeToken * LlamaCppDecode.Mean / CopyBandwidth;
}
