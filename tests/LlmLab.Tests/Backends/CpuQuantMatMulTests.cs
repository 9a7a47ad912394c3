using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The CPU matmul on ggml block formats against fp32 math on the same weights as <see cref="LlmLab.Quantization.BlockCodec"/>
/// dequantizes them (the reference decoder, equal to ggml's dequantize_row_*). Two references per product:
/// (1) plain fp32 activations — the error is the int8 activation rounding, bounded per format below;
/// (2) the activations rounded as the kernel's documented numerics say (llama.cpp's Q8_0 / Q8_1 / Q8_K per weight
/// format), computed here independently — the kernel must then agree to float rounding, which pins every
/// scale, offset and nibble of the kernels far below what the first bound could see. (LlmLab.LlamaCpp.Tests checks
/// the same products against llama.cpp's own vec_dot.)
/// Shapes: k = 256·m (whole super-blocks), W row counts that are odd and not a multiple of the 16-row task; one
/// and two x rows take the fused decode kernels (<see cref="CpuFusedDot"/>) where a format has one, more rows the
/// unpacking path (four rows at a time plus the rest).
/// </summary>
public sealed unsafe class CpuQuantMatMulTests
{
    /// <summary>
    /// NMSE bound vs fp32 activations, per format. int8 rounding of Gaussian activations per 32 gives ≈ 2–3e-5 (step
    /// amax/127 ≈ 0.017σ, error variance step²/12 ≈ 2.4e-5σ²); measured 1.5e-5 … 5.6e-5 for the formats without
    /// minimums, so 1e-4. Formats whose blocks carry a minimum (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K) reach 1.4e-4 on random
    /// blocks, whose minimums are as large as their scales (every weight of a row then shares one sign), so 3e-4.
    /// Q8_K activations (the K-quants, IQ4_XS) share one scale per 256, whose amax is ~1.4× larger for Gaussian data,
    /// so the error variance doubles: 2e-4, and 6e-4 with a minimum.
    /// </summary>
    private static double ActivationRoundingNmse(TensorFormat format)
    {
        bool minimum = format is TensorFormat.Q4_1 or TensorFormat.Q5_1 or TensorFormat.Q2_K or TensorFormat.Q4_K or TensorFormat.Q5_K;
        bool perBlockOf256 = CpuActivationQuant.For(format) == ActivationBlocks.Q8_K;
        return (minimum ? 3e-4 : 1e-4) * (perBlockOf256 ? 2 : 1);
    }

    /// <summary>NMSE bound vs the same int8 activations: float rounding of fp32 sums over k ≤ 1024 terms only.</summary>
    private const double SameActivationsNmse = 1e-10;

    public static TheoryData<TensorFormat> BlockFormats() => QuantizedWeights.BlockFormats();

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Decode_product_of_one_row_matches_fp32_math_on_the_dequantized_weights(TensorFormat format) =>
        CheckProduct(format, rows: 1, outputs: 37, k: 512, seed: 1);

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Prefill_product_of_an_odd_number_of_rows_matches_fp32_math_on_the_dequantized_weights(TensorFormat format) =>
        CheckProduct(format, rows: 13, outputs: 45, k: 768, seed: 2);

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Product_of_three_rows_over_random_block_bytes_matches_fp32_math_on_the_dequantized_weights(TensorFormat format) =>
        CheckProduct(format, rows: 3, outputs: 19, k: 256, seed: 3, randomBlocks: true);

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Decode_product_over_random_block_bytes_matches_fp32_math_on_the_dequantized_weights(TensorFormat format) =>
        CheckProduct(format, rows: 1, outputs: 61, k: 1024, seed: 5, randomBlocks: true);

    /// <summary>13 blocks of 32: one group of eight block scales decoded together, then five blocks one at a time.</summary>
    [Theory]
    [InlineData(TensorFormat.Q4_0)]
    [InlineData(TensorFormat.Q8_0)]
    public void Decode_product_of_rows_that_are_not_whole_groups_of_eight_blocks_matches_fp32_math(TensorFormat format)
    {
        CheckProduct(format, rows: 1, outputs: 23, k: 13 * 32, seed: 6);
        CheckProduct(format, rows: 2, outputs: 23, k: 13 * 32, seed: 7, randomBlocks: true);
    }

    /// <summary>23 outputs: a task of 16 W rows (eight pairs) and one of 7 (three pairs and a single row), six x rows.</summary>
    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Prefill_product_with_W_rows_in_pairs_and_singles_matches_fp32_math_on_the_dequantized_weights(TensorFormat format) =>
        CheckProduct(format, rows: 6, outputs: 23, k: 512, seed: 9, randomBlocks: true);

    /// <summary>13 blocks of 32 (an odd block after the pairs) and 26 groups (a tail after 16 group offsets), five x rows.</summary>
    [Theory]
    [InlineData(TensorFormat.Q4_0)]
    [InlineData(TensorFormat.Q4_1)]
    [InlineData(TensorFormat.Q8_0)]
    public void Prefill_product_of_rows_with_an_odd_number_of_blocks_matches_fp32_math(TensorFormat format) =>
        CheckProduct(format, rows: 5, outputs: 21, k: 13 * 32, seed: 8, randomBlocks: true);

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Embedding_rows_of_a_quantized_table_decode_exactly_as_the_reference_decoder(TensorFormat format)
    {
        const int vocab = 11, hidden = 512;
        var table = QuantizedWeights.RandomBlocks(format, vocab, hidden, seed: 4);
        using var backend = new CpuBackend();
        using var w = table.Load(backend, "token_embd.weight");
        int[] ids = [7, 0, 10, 7, 3];
        using var idTensor = backend.Allocate(DType.I32, ids.Length, 1);
        using var output = backend.Allocate(DType.F32, ids.Length, hidden);
        backend.Write(idTensor, ids);

        backend.Embedding(idTensor, w, output);

        var rows = ((CpuTensor)output).FloatSpan.ToArray();
        for (int r = 0; r < ids.Length; r++)
            Assert.Equal(table.Dequantized.AsSpan(ids[r] * hidden, hidden).ToArray(), rows.AsSpan(r * hidden, hidden).ToArray());
    }

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Cpu_backend_reads_every_block_format_directly(TensorFormat format)
    {
        using var backend = new CpuBackend();
        Assert.True(backend.Supports(BackendOp.MatMul, format));
    }

    [Fact]
    public void Fp16_scales_decode_exactly_for_every_bit_pattern()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            ushort h = (ushort)bits;
            float expected = (float)BitConverter.UInt16BitsToHalf(h), actual = CpuBlockUnpack.Half((byte*)&h);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"0x{bits:X4}");
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual));
        }
    }

    [Fact]
    public void A_row_that_is_not_whole_blocks_is_rejected_naming_the_tensor()
    {
        using var backend = new CpuBackend();
        var bytes = new byte[TensorFormat.Q4_K.BytesPerBlock() * 4];
        fixed (byte* p = bytes)
        {
            var view = new TensorView("blk.3.attn_q.weight", TensorFormat.Q4_K, [2, 384], p, bytes.Length);
            var e = Assert.Throws<InvalidCheckpointException>(() => backend.LoadWeight(view));
            Assert.Contains("blk.3.attn_q.weight", e.Message);
            Assert.Contains("256-element blocks", e.Message);
        }
    }

    private static void CheckProduct(TensorFormat format, int rows, int outputs, int k, int seed, bool randomBlocks = false)
    {
        var weights = randomBlocks ? QuantizedWeights.RandomBlocks(format, outputs, k, seed) : QuantizedWeights.Quantized(format, outputs, k, seed);
        var x = QuantizedWeights.Gaussian(rows * k, seed + 100, 1f);
        using var backend = new CpuBackend();
        using var w = weights.Load(backend);
        using var input = backend.Allocate(DType.F32, rows, k);
        using var output = backend.Allocate(DType.F32, rows, outputs);
        x.CopyTo(((CpuTensor)input).FloatSpan);

        backend.MatMul(input, w, null, output);

        var y = ((CpuTensor)output).FloatSpan.ToArray();
        var exact = Reference(weights.Dequantized, x, rows, outputs, k);
        var rounded = Reference(weights.Dequantized, RoundActivations(x, CpuActivationQuant.For(format)), rows, outputs, k);
        if (CpuActivationQuant.For(format) == ActivationBlocks.Q8_1) AddFp16SumRounding(weights, x, rows, outputs, k, rounded);
        double nmse = Nmse(y, exact), nmseRounded = Nmse(y, rounded);
        Assert.True(nmse <= ActivationRoundingNmse(format), $"{format}: NMSE vs fp32 activations {nmse:E3} > {ActivationRoundingNmse(format):E0}");
        Assert.True(nmseRounded <= SameActivationsNmse, $"{format}: NMSE vs the same int8 activations {nmseRounded:E3} > {SameActivationsNmse:E0}");
    }

    /// <summary>y[i, j] = Σ w[j, e]·x[i, e] in double.</summary>
    private static double[] Reference(float[] w, float[] x, int rows, int outputs, int k)
    {
        var y = new double[rows * outputs];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < outputs; j++)
            {
                double s = 0;
                for (int e = 0; e < k; e++) s += (double)w[j * k + e] * x[i * k + e];
                y[i * outputs + j] = s;
            }
        return y;
    }

    /// <summary>
    /// x as the kernel rounds it, d·q per element: Q8_0 and Q8_1 per 32 with d = fp16(amax/127), q = round(x·127/amax);
    /// Q8_K per 256 with iscale = −127/max (max the first element of largest magnitude), q = min(127, round(iscale·x)),
    /// d = 1/iscale; rounding half to even (ggml's quantize_row_q8_0 / q8_1 / q8_K).
    /// </summary>
    private static float[] RoundActivations(float[] x, ActivationBlocks blocks)
    {
        var r = new float[x.Length];
        int length = blocks == ActivationBlocks.Q8_K ? 256 : 32;
        for (int b = 0; b < x.Length; b += length)
        {
            float amax = 0, max = 0;
            for (int i = 0; i < length; i++)
                if (Math.Abs(x[b + i]) > amax) { amax = Math.Abs(x[b + i]); max = x[b + i]; }
            float scale, d;
            if (blocks == ActivationBlocks.Q8_K) { scale = amax != 0 ? -127f / max : 0; d = amax != 0 ? 1 / scale : 0; }
            else { scale = amax != 0 ? 127f / amax : 0; d = (float)(Half)(amax / 127f); }
            for (int i = 0; i < length; i++) r[b + i] = d * Math.Min(127f, MathF.Round(x[b + i] * scale, MidpointRounding.ToEven));
        }
        return r;
    }

    /// <summary>
    /// Q8_1 carries s = fp16(d·Σq) per 32, and the weights' minimum m multiplies s rather than d16·Σq (what the
    /// rounded x above gives): adds m·(s − d16·Σq) per block, reading m from the Q4_1 / Q5_1 block (fp16 at byte 2).
    /// </summary>
    private static void AddFp16SumRounding(QuantizedWeights weights, float[] x, int rows, int outputs, int k, double[] y)
    {
        int blockBytes = weights.Format.BytesPerBlock(), blocks = k / 32;
        for (int i = 0; i < rows; i++)
            for (int b = 0; b < blocks; b++)
            {
                float amax = 0;
                for (int e = 0; e < 32; e++) amax = Math.Max(amax, Math.Abs(x[i * k + b * 32 + e]));
                float d = amax / 127f, scale = amax != 0 ? 127f / amax : 0, d16 = (float)(Half)d;
                int sum = 0;
                for (int e = 0; e < 32; e++) sum += (int)MathF.Round(x[i * k + b * 32 + e] * scale, MidpointRounding.ToEven);
                double correction = (float)(Half)(d * sum) - (double)d16 * sum;
                for (int j = 0; j < outputs; j++)
                {
                    float m = (float)BitConverter.ToHalf(weights.Bytes, (j * blocks + b) * blockBytes + 2);
                    y[i * outputs + j] += m * correction;
                }
            }
    }

    private static double Nmse(float[] y, double[] reference)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < y.Length; i++)
        {
            err += (y[i] - reference[i]) * (y[i] - reference[i]);
            norm += reference[i] * reference[i];
        }
        return err / norm;
    }
}
