using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>Rows of fp32 values laid end to end, with a name that says what they exercise.</summary>
internal sealed record KQuantSample(string Name, int Rows, int RowLength, float[] Values);

/// <summary>
/// Inputs for the K-quant cross-checks, each generated from a fixed seed (System.Random with that seed; gaussians by
/// Box–Muller in double, then rounded to fp32), so every run and every machine sees the same values. Together they
/// reach each branch of ggml's reference quantizers: all-zero sub-blocks and blocks (GROUP_MAX_EPS), rows of one
/// sign (min clamped to 0 / max == min), outliers that set the super-block scale, values so small the fp16 scale
/// underflows or so large it nears fp16's limit, and integer grids whose scaled values fall on rounding ties.
/// </summary>
internal static class KQuantSamples
{
    private const int Block = TensorFormats.SuperBlock;
    private const int SharedRowLength = 2 * Block; // rows the shared inputs are cut into

    /// <summary>The K-quant formats under test.</summary>
    public static readonly TensorFormat[] Formats = [TensorFormat.Q2_K, TensorFormat.Q3_K, TensorFormat.Q4_K, TensorFormat.Q5_K, TensorFormat.Q6_K];

    /// <summary>Every sample, by name.</summary>
    public static IReadOnlyDictionary<string, KQuantSample> All { get; } = Build().ToDictionary(s => s.Name);

    /// <summary>
    /// (format, sample name) for every format and sample: the theory rows. The samples are this file's plus the
    /// adversarial kinds every codec is checked on (<see cref="QuantizationInputs.Kinds"/>: fp32 subnormals,
    /// values up to 3e38 and fp16-overflowing scales, NaN and infinities, ties, powers of two), as rows of 512.
    /// </summary>
    public static TheoryData<TensorFormat, string> FormatsBySample()
    {
        var data = new TheoryData<TensorFormat, string>();
        foreach (var f in Formats)
            foreach (var name in All.Keys)
                data.Add(f, name);
        return data;
    }

    private static IEnumerable<KQuantSample> Build()
    {
        foreach (var kind in QuantizationInputs.Kinds)
            yield return new KQuantSample("shared:" + kind, QuantizationInputs.Length / SharedRowLength, SharedRowLength, QuantizationInputs.Make(kind));
        yield return Make("gaussian", 16, 4 * Block, 1, r => Gaussian(r));
        yield return Make("weights_sigma_0.02", 8, 16 * Block, 2, r => 0.02f * Gaussian(r));
        yield return Make("uniform_symmetric", 16, 2 * Block, 3, r => Uniform(r, -1, 1));
        yield return Make("uniform_positive", 8, 2 * Block, 4, r => Uniform(r, 0.5f, 2f));
        yield return Make("uniform_negative", 8, 2 * Block, 5, r => Uniform(r, -3f, -0.25f));
        yield return Make("gaussian_with_outliers", 16, 4 * Block, 6, r => r.NextDouble() < 0.01 ? 100f * Gaussian(r) : Gaussian(r));
        yield return ZeroedSubBlocks(7);
        yield return Make("tiny_1e-6", 8, 2 * Block, 8, r => 1e-6f * Gaussian(r));
        yield return Make("below_fp16_1e-9", 8, 2 * Block, 9, r => 1e-9f * Gaussian(r));
        yield return Make("below_group_eps_1e-17", 4, 2 * Block, 10, r => 1e-17f * Gaussian(r));
        yield return Make("huge_1e4", 8, 2 * Block, 11, r => 1e4f * Gaussian(r));
        yield return Make("sparse", 8, 4 * Block, 12, r => r.NextDouble() < 0.05 ? Gaussian(r) : 0f);
        yield return Make("integer_grid", 8, 2 * Block, 13, r => r.Next(-8, 8));
        yield return Make("half_integer_grid", 8, 2 * Block, 14, r => r.Next(-64, 64) * 0.5f);
        yield return Constant("constant_positive", 0.75f);
        yield return Constant("constant_negative", -1.25f);
        yield return Make("mixed_scales_per_sub_block", 8, 4 * Block, 15, MixedScales());
    }

    private static KQuantSample Make(string name, int rows, int rowLength, int seed, Func<Random, float> next)
    {
        var r = new Random(seed);
        var values = new float[rows * rowLength];
        for (int i = 0; i < values.Length; i++) values[i] = next(r);
        return new KQuantSample(name, rows, rowLength, values);
    }

    // Gaussian rows in which some 16- and 32-element sub-blocks, and some whole super-blocks, are exactly zero.
    private static KQuantSample ZeroedSubBlocks(int seed)
    {
        var sample = Make("zeroed_sub_blocks", 16, 4 * Block, seed, r => Gaussian(r));
        var r = new Random(seed + 1000);
        var v = sample.Values;
        for (int start = 0; start < v.Length; start += 16)
            if (r.NextDouble() < 0.2) Array.Clear(v, start, r.NextDouble() < 0.5 ? 16 : Math.Min(32, v.Length - start));
        for (int start = 0; start < v.Length; start += Block)
            if (r.NextDouble() < 0.1) Array.Clear(v, start, Block);
        return sample;
    }

    private static KQuantSample Constant(string name, float value)
    {
        var values = new float[4 * Block];
        Array.Fill(values, value);
        return new KQuantSample(name, 2, 2 * Block, values);
    }

    // Each 16-element run has its own magnitude (1e-3 … 1e2) and offset: sub-block scales far apart within a block.
    private static Func<Random, float> MixedScales()
    {
        int count = 0;
        float scale = 1, offset = 0;
        return r =>
        {
            if (count++ % 16 == 0)
            {
                scale = MathF.Pow(10, Uniform(r, -3, 2));
                offset = r.NextDouble() < 0.3 ? Uniform(r, -2, 2) * scale : 0;
            }
            return offset + scale * Gaussian(r);
        };
    }

    private static float Uniform(Random r, float lo, float hi) => (float)(lo + (hi - lo) * r.NextDouble());

    private static float Gaussian(Random r)
    {
        double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
