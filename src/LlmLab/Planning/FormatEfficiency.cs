using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// How close LlmLab's decode kernels come to the copy roofline for each weight format, relative to BF16 on the same
/// device in the same run: the device's decode fraction (a BF16 figure: <see cref="GpuSpec.DecodeFractionOfCopy"/>,
/// <see cref="PlanDevice.CpuDecodeFractionOfCopy"/>) times this gives the format's.
/// <list type="bullet">
/// <item>GPU, measured on an H100 with llama-3.1-8b (make-random, prompt 512 + 256, 2026-12-07): BF16 94.1 % (run 8) and
/// 93.7 % (run 10); Q8_0 79.8 % (run 8); Q4_K_M, whose bytes are Q4_K and Q6_K, 54.6 % (run 8); FP8 73.6 % (run 11).</item>
/// <item>CPU, this repository's 2-core AVX-512 VM with llama-3.2-1b GGUFs (9 bench runs per format, 2026-12-07 21:55 and
/// 2026-12-08 02:17 UTC, notes/cpu-predict.md): measured ÷ predicted decode at BF16's fraction, medians BF16 1.00,
/// Q8_0 0.99, Q4_K_M 0.85 — the K-quant products are the closest to compute-bound here.</item>
/// </list>
/// A format not measured is taken at BF16's efficiency (stated in the basis).
/// </summary>
public static class FormatEfficiency
{
    /// <summary>Decode efficiency of <paramref name="format"/>'s weights ÷ BF16's on a GPU or the CPU; 1 for float formats and unmeasured ones.</summary>
    public static double Relative(TensorFormat format, bool gpu) => (gpu, format) switch
    {
        (true, TensorFormat.FP8) => 0.736 / 0.937,
        (true, TensorFormat.Q8_0) => 0.798 / 0.941,
        (true, TensorFormat.Q4_K or TensorFormat.Q6_K) => 0.546 / 0.941,
        (false, TensorFormat.Q8_0) => 0.99,
        (false, TensorFormat.Q4_K or TensorFormat.Q6_K) => 0.85,
        _ => 1.0,
    };

    /// <summary>Whether <see cref="Relative"/> comes from a measurement (float formats are BF16's own).</summary>
    public static bool Measured(TensorFormat format, bool gpu) =>
        format.IsFloat() || format is TensorFormat.Q8_0 or TensorFormat.Q4_K or TensorFormat.Q6_K || (gpu && format == TensorFormat.FP8);

    /// <summary>
    /// Bytes read per step ÷ the bytes BF16 kernels would read in the same time: the weights' bytes each divided by their
    /// format's <see cref="Relative"/>, plus <paramref name="otherBytes"/> (the KV cache, read at BF16's efficiency).
    /// Multiply a BF16 decode fraction by it to get this mix's.
    /// </summary>
    public static double Multiplier(IEnumerable<(TensorFormat Format, long Bytes)> weights, long otherBytes, bool gpu)
    {
        double bytes = otherBytes, equivalent = otherBytes;
        foreach (var (format, b) in weights)
        {
            bytes += b;
            equivalent += b / Relative(format, gpu);
        }
        return equivalent > 0 ? bytes / equivalent : 1.0;
    }

    /// <summary>The basis text for a mix of <paramref name="formats"/>: which factors apply and which are assumed.</summary>
    public static string? Note(IEnumerable<TensorFormat> formats, bool gpu)
    {
        var quantized = formats.Where(f => f.IsQuantized()).Distinct().Order().ToArray();
        if (quantized.Length == 0) return null;
        var measured = quantized.Where(f => Measured(f, gpu)).Select(f => $"{f} ×{Relative(f, gpu):F2}");
        var assumed = quantized.Where(f => !Measured(f, gpu)).Select(f => f.ToString()).ToArray();
        return $"weights at LlmLab's measured efficiency relative to BF16 ({(gpu ? "H100, 8B" : "this repository's CPU, 1B")}: {string.Join(", ", measured)})" +
               (assumed.Length > 0 ? $"; {string.Join(", ", assumed)} not measured, taken as BF16's" : "");
    }
}
