using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// Round trips through the K-quant codecs (fp32 → blocks → fp32): how far the decoded values may stray. Byte-exactness
/// with ggml is checked in tests/LlmLab.LlamaCpp.Tests; these hold without the native library.
/// </summary>
public sealed class KQuantRoundTripTests
{
    private const int Block = TensorFormats.SuperBlock;

    /// <summary>(format, bits per level): Q2_K stores 2-bit levels, …, Q6_K 6-bit levels.</summary>
    public static TheoryData<TensorFormat, int> LevelBits => new()
    {
        { TensorFormat.Q2_K, 2 }, { TensorFormat.Q3_K, 3 }, { TensorFormat.Q4_K, 4 }, { TensorFormat.Q5_K, 5 }, { TensorFormat.Q6_K, 6 },
    };

    /// <summary>(format, the K-quant with one bit less per level).</summary>
    public static TheoryData<TensorFormat, TensorFormat> OneBitLess => new()
    {
        { TensorFormat.Q3_K, TensorFormat.Q2_K }, { TensorFormat.Q4_K, TensorFormat.Q3_K }, { TensorFormat.Q5_K, TensorFormat.Q4_K }, { TensorFormat.Q6_K, TensorFormat.Q5_K },
    };

    public static TheoryData<TensorFormat> Formats => new(TensorFormat.Q2_K, TensorFormat.Q3_K, TensorFormat.Q4_K, TensorFormat.Q5_K, TensorFormat.Q6_K);

    [Theory]
    [MemberData(nameof(LevelBits))]
    public void Gaussian_rows_round_trip_within_the_uniform_quantizer_error_of_their_level_count(TensorFormat format, int bits)
    {
        // A uniform quantizer with 2^b levels spread over the ±2σ a 16- or 32-element gaussian sub-block spans has
        // steps of 4σ / 2^b and an RMS error of step / √12 ≈ 1.155σ / 2^b. ggml's scale search does at least that
        // well; the bound allows 10% over it: relative RMSE ≤ 1.28 / 2^b (Q4_K: 0.08, each bit halving it).
        const double UniformErrorWithMargin = 1.28;
        var x = Gaussian(seed: 1, count: 512 * Block);

        var y = RoundTrip(format, x);

        double bound = UniformErrorWithMargin / (1 << bits);
        double error = RelativeRmse(x, y);
        Assert.True(error <= bound, $"{format}: relative RMSE {error:F5} > {bound:F5}");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Llama_cpp_s_own_quantization_error_threshold_holds(TensorFormat format)
    {
        // llama.cpp tests/test-quantize-fns.cpp: 4096 values 0.1 + 2·cos(i), error √Σ(x − x̂)² / n, below
        // MAX_QUANTIZATION_TOTAL_ERROR_2BITS (0.0075) for Q2_K, _3BITS (0.0040) for Q3_K, and 0.002 otherwise.
        const int Count = 4096;
        var x = new float[Count];
        for (int i = 0; i < Count; i++) x[i] = (float)(0.1 + 2.0f * MathF.Cos(i));
        double threshold = format switch { TensorFormat.Q2_K => 0.0075, TensorFormat.Q3_K => 0.0040, _ => 0.002 };

        var y = RoundTrip(format, x);

        double sum = 0;
        for (int i = 0; i < Count; i++) sum += (double)(x[i] - y[i]) * (x[i] - y[i]);
        double error = Math.Sqrt(sum) / Count;
        Assert.True(error < threshold, $"{format}: test-quantize-fns error {error:F6} ≥ {threshold}");
    }

    [Theory]
    [MemberData(nameof(OneBitLess))]
    public void Each_extra_bit_at_least_nearly_halves_the_error(TensorFormat format, TensorFormat smaller)
    {
        // Compared with the next-smaller K-quant on the same data: doubling the levels halves the step; allow 0.6×
        // rather than 0.5× because the scale and min codes do not grow with the level count.
        const double MostOfAHalving = 0.6;
        var x = Gaussian(seed: 2, count: 64 * Block);

        double error = RelativeRmse(x, RoundTrip(format, x));
        double smallerError = RelativeRmse(x, RoundTrip(smaller, x));

        Assert.True(error <= MostOfAHalving * smallerError, $"{format} {error:F5} vs {smaller} {smallerError:F5}");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void All_zero_rows_decode_to_exact_zeros(TensorFormat format)
    {
        var x = new float[4 * Block];

        var y = RoundTrip(format, x);

        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_block_of_zeros_beside_large_values_stays_zero(TensorFormat format)
    {
        // Block 0 large, block 1 all zero, block 2 small: each super-block has its own scales, so neither neighbour
        // leaks into the zero block (and the scales of one never depend on another).
        var x = Gaussian(seed: 3, count: 3 * Block);
        for (int i = 0; i < Block; i++) { x[i] *= 1000; x[Block + i] = 0; x[2 * Block + i] *= 1e-3f; }

        var y = RoundTrip(format, x);

        Assert.All(y.AsSpan(Block, Block).ToArray(), v => Assert.Equal(0f, v));
        Assert.True(RelativeRmse(x.AsSpan(2 * Block, Block), y.AsSpan(2 * Block, Block)) < 0.5, $"{format}: small block lost");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Each_K_quant_is_registered_with_BlockCodec(TensorFormat format)
    {
        Assert.True(BlockCodec.Supports(format));
        Assert.Equal(format, BlockCodec.For(format).Format);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_row_that_is_not_whole_super_blocks_is_rejected_with_the_format_named(TensorFormat format)
    {
        var codec = BlockCodec.For(format);
        var x = new float[Block + 32];
        var blocks = new byte[2 * format.BytesPerBlock()];

        var e = Assert.Throws<ArgumentException>(() => codec.Quantize(x, blocks));

        Assert.Contains(format.ToString(), e.Message);
        Assert.Contains("256", e.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_block_buffer_of_the_wrong_size_is_rejected_with_both_sizes(TensorFormat format)
    {
        var codec = BlockCodec.For(format);
        var x = new float[2 * Block];
        var blocks = new byte[2 * format.BytesPerBlock() - 1];

        var e = Assert.Throws<ArgumentException>(() => codec.Dequantize(blocks, x));

        Assert.Contains($"{2 * format.BytesPerBlock()} bytes", e.Message);
        Assert.Contains($"not {blocks.Length}", e.Message);
    }

    private static float[] RoundTrip(TensorFormat format, float[] x)
    {
        var blocks = new byte[format.RowBytes(x.Length)];
        BlockCodec.Quantize(format, x, blocks);
        var y = new float[x.Length];
        BlockCodec.Dequantize(format, blocks, y);
        return y;
    }

    private static double RelativeRmse(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double se = 0, sx = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - y[i];
            se += d * d;
            sx += (double)x[i] * x[i];
        }
        return Math.Sqrt(se / sx);
    }

    // N(0, 1) by Box–Muller from System.Random(seed), rounded to fp32.
    private static float[] Gaussian(int seed, int count)
    {
        var r = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
            x[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return x;
    }
}
