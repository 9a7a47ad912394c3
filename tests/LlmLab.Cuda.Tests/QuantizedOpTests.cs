using LlmLab.Backends;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Products and the embedding gather with ggml block-format weights (gemv_quant.cu) against the exact product of the
/// dequantized weights (BlockCodec, byte-exact with ggml's dequantize_row_*) and the activations the GPU multiplies,
/// summed in fp64: x as given, except decode products in BF16 compute with the formats the GPU runs with 8-bit
/// activations (as llama.cpp's MMVQ), where x is first rounded to Q8_0 blocks by BlockCodec (byte-exact with ggml's
/// quantize_row_q8_0, the rounding the kernel does). Only fp32 summation order, the output's rounding and (prefill)
/// the workspace's rounding of the dequantized weights to the compute type remain. Bounds: F32 compute NMSE ≤ 1e-9;
/// BF16 compute NMSE ≤ 1e-4 (the bf16 output rounding alone gives ~1e-6, the bf16 workspace about as much again).
/// FP8 prefill products that ran on the FP8 tensor cores (<see cref="CudaTuning.Fp8TensorCorePrefill"/>, sm_89+) are held
/// to x rounded per token to E4M3 as the kernel rounds it (bit for bit Fp8E4M3), the rest to x as given.
/// </summary>
public sealed class QuantizedOpTests
{
    public static TheoryData<int, DType> Targets => Gpu.DevicesAndTypes;

    /// <summary>Every block format the CUDA backend computes with, and FP8 rows (a scale per row, after the row).</summary>
    private static readonly TensorFormat[] Formats =
    [
        TensorFormat.Q8_0, TensorFormat.Q4_0, TensorFormat.Q4_K, TensorFormat.Q6_K, TensorFormat.Q5_K, TensorFormat.Q5_0, TensorFormat.Q5_1,
        TensorFormat.Q4_1, TensorFormat.Q3_K, TensorFormat.Q2_K, TensorFormat.IQ4_NL, TensorFormat.IQ4_XS, TensorFormat.MXFP4, TensorFormat.FP8,
    ];

    /// <summary>
    /// (rows, k): k = 768 is three super-blocks (Q6_K, Q3_K, Q2_K, IQ4_XS and MXFP4 rows are padded to a 16-byte stride
    /// on the device; 300 rows leave idle warps in the last block); k = 8192 with few rows splits each row over two warps.
    /// </summary>
    private static readonly (int Rows, int K)[] Shapes = [(300, 768), (96, 8192)];

    private static double Bound(DType type) => type == DType.F32 ? 1e-9 : 1e-4;

    private static void Check(string op, int device, DType type, float[] reference, float[] gpu, double? bound = null)
    {
        double nmse = OpHarness.Nmse(gpu, reference);
        Report.Line($"op {op,-44} cuda:{device} {type,-4} NMSE {nmse:E2}");
        Assert.True(nmse <= (bound ?? Bound(type)), $"{op}: NMSE {nmse:E3} above {bound ?? Bound(type):E1}");
    }

    /// <summary>y[n, m] = x[n, k] · Wᵀ (+ bias) in fp64 from the dequantized weights.</summary>
    private static float[] Product(float[] x, float[] w, float[]? bias, int n, int m, int k)
    {
        var y = new float[n * m];
        Parallel.For(0, m, r =>
        {
            for (int i = 0; i < n; i++)
            {
                double s = bias?[r] ?? 0;
                for (int j = 0; j < k; j++) s += (double)x[i * k + j] * w[(long)r * k + j];
                y[i * m + r] = (float)s;
            }
        });
        return y;
    }

    /// <summary>
    /// x [n, k] as the GPU multiplies it with <paramref name="format"/> weights: for decode rows (n ≤ 4) of a format it
    /// runs with 8-bit activations, each row rounded to Q8_0 blocks and back; else x itself.
    /// </summary>
    private static float[] AsMultiplied(CudaBackend gpu, TensorFormat format, float[] x, int n, int k)
    {
        if (n > gpu.Tuning.GemvRowLimit || !gpu.Q8Activations(format)) return x;
        var rounded = new float[x.Length];
        var blocks = new byte[TensorFormat.Q8_0.RowBytes(k)];
        for (int i = 0; i < n; i++)
        {
            BlockCodec.Quantize(TensorFormat.Q8_0, x.AsSpan(i * k, k), blocks);
            BlockCodec.Dequantize(TensorFormat.Q8_0, blocks, rounded.AsSpan(i * k, k));
        }
        return rounded;
    }

    /// <summary>x [n, k] rounded per row to E4M3 with the row's scale (Fp8E4M3.EncodeScaled), as FP8 tensor-core prefill multiplies it.</summary>
    private static float[] Fp8Rounded(float[] x, int n, int k)
    {
        var rounded = new float[x.Length];
        var codes = new byte[k];
        for (int i = 0; i < n; i++)
        {
            float scale = Fp8E4M3.EncodeScaled(x.AsSpan(i * k, k), codes);
            Fp8E4M3.DecodeScaled(codes, scale, rounded.AsSpan(i * k, k));
        }
        return rounded;
    }

    private static float[] ReadGpu(OpHarness h, DeviceTensor t)
    {
        var values = new float[t.Length];
        h.Gpu.Read(t, values);
        return values;
    }

    private static void RunProducts(int device, DType type, int[] rowCounts, string what, int stages = 1, TensorFormat[]? formats = null)
    {
        using var gpu = Gpu.Open(device, type);
        gpu.Tuning = gpu.Tuning with { GemvRowLimit = CudaTuning.MaxGemvRows, QuantGemvStages = stages };   // n = 3, 4 run as the GEMV too (the default stops at 2)
        foreach (var format in formats ?? Formats)
            foreach (var (m, k) in Shapes)
            {
                using var h = new OpHarness(gpu, seed: 7 + (int)format);
                var (w, deq) = h.QuantWeight("w", format, m, k);
                var bias = h.Random(m);
                var b = h.Weight("bias", bias, 1, m, vector: true);
                foreach (int n in rowCounts)
                {
                    var xValues = h.Random((long)n * k);
                    var x = h.Activation(xValues, n, k);
                    foreach (bool f32 in new[] { true, false })
                    {
                        var y = h.Empty(n, m, f32);
                        bool withBias = !f32;
                        int fp8Before = gpu.Fp8TensorCoreProducts;
                        h.Gpu.MatMul(x.Gpu, w, withBias ? b.Gpu : null, y.Gpu);
                        bool fp8x = gpu.Fp8TensorCoreProducts > fp8Before;
                        var multiplied = fp8x ? Fp8Rounded(xValues.Select(h.Round).ToArray(), n, k) : AsMultiplied(gpu, format, xValues, n, k);
                        var reference = Product(multiplied, deq, withBias ? bias : null, n, m, k);
                        Check($"{what} {format} n={n} [{m}, {k}]{(f32 ? " f32" : " +bias")}{(fp8x ? " fp8 tensor cores" : "")}", device, type, reference, ReadGpu(h, y.Gpu));
                    }
                }
            }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Decode_products_read_every_block_format_directly(int device, DType type) =>
        RunProducts(device, type, [1, 2, 4], "qgemv");

    /// <summary>The kernel lab's cp.async ring (QuantGemvStages 3: two tiles ahead in shared memory) computes the same products.</summary>
    [Theory, MemberData(nameof(Targets))]
    public void Decode_products_through_a_ring_of_tiles_read_the_blocks_alike(int device, DType type) =>
        RunProducts(device, type, [1, 4], "qgemv ring", stages: 3,
            formats: [TensorFormat.Q8_0, TensorFormat.Q4_0, TensorFormat.Q4_K, TensorFormat.Q6_K, TensorFormat.Q5_K, TensorFormat.Q2_K, TensorFormat.MXFP4]);

    [Theory, MemberData(nameof(Targets))]
    public void Prefill_products_dequantize_each_block_format_into_the_workspace(int device, DType type) =>
        RunProducts(device, type, [17, 64], "dequant+gemm");

    [Theory, MemberData(nameof(Targets))]
    public void Grouped_qkv_and_gate_up_run_fused_and_a_mixed_group_runs_apart(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        const int k = 512, q = 256, kv = 128, inter = 344;
        // Stages 3: the kernel lab's cp.async ring, for one and two weight rows per warp (q/k/v; gate/up).
        foreach (var (n, stages) in new[] { (1, 1), (2, 1), (1, 3), (2, 3) })
            foreach (var (qf, kf, vf) in new[] { (TensorFormat.Q4_K, TensorFormat.Q4_K, TensorFormat.Q4_K), (TensorFormat.Q8_0, TensorFormat.Q8_0, TensorFormat.Q8_0),
                         (TensorFormat.Q4_K, TensorFormat.Q4_K, TensorFormat.Q6_K), (TensorFormat.FP8, TensorFormat.FP8, TensorFormat.FP8) })
            {
                gpu.Tuning = gpu.Tuning with { QuantGemvStages = stages };
                using var h = new OpHarness(gpu, seed: 90 + n);
                var xValues = h.Random((long)n * k);
                var x = h.Activation(xValues, n, k);
                var qkv = h.QuantWeightGroup(k, ("q", qf, q), ("k", kf, kv), ("v", vf, kv));
                var outs = new[] { h.Empty(n, q), h.Empty(n, kv), h.Empty(n, kv) };
                h.Gpu.QkvProjection(x.Gpu, new QkvWeights(qkv[0].Gpu, qkv[1].Gpu, qkv[2].Gpu), outs[0].Gpu, outs[1].Gpu, outs[2].Gpu);
                for (int i = 0; i < 3; i++)
                {
                    var reference = Product(AsMultiplied(gpu, qkv[i].Gpu.Format, xValues, n, k), qkv[i].Dequantized, null, n, qkv[i].Gpu.Rows, k).Select(h.Round).ToArray();
                    Check($"qkv group {qf}/{kf}/{vf} n={n} stages {stages} product {i}", device, type, reference, ReadGpu(h, outs[i].Gpu));
                }

                var gateUp = h.QuantWeightGroup(k, ("gate", qf, inter), ("up", vf, inter));
                var (g, u) = (h.Empty(n, inter), h.Empty(n, inter));
                h.Gpu.GateUpSwiGlu(x.Gpu, gateUp[0].Gpu, gateUp[1].Gpu, g.Gpu, u.Gpu);
                var gateRef = Product(AsMultiplied(gpu, gateUp[0].Gpu.Format, xValues, n, k), gateUp[0].Dequantized, null, n, inter, k).Select(h.Round).ToArray();
                var upRef = Product(AsMultiplied(gpu, gateUp[1].Gpu.Format, xValues, n, k), gateUp[1].Dequantized, null, n, inter, k).Select(h.Round).ToArray();
                var swiglu = gateRef.Zip(upRef, (a, c) => h.Round(a / (1 + MathF.Exp(-a)) * c)).ToArray();
                Check($"gate/up+SwiGLU {qf}/{vf} n={n} stages {stages} up", device, type, upRef, ReadGpu(h, u.Gpu));
                Check($"gate/up+SwiGLU {qf}/{vf} n={n} stages {stages} silu(gate)·up", device, type, swiglu, ReadGpu(h, g.Gpu));
            }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Embedding_gathers_dequantized_rows_of_a_block_table(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        const int vocab = 300, hidden = 768;
        int[] ids = [5, 0, 299, 17, 5];
        foreach (var format in Formats)
        {
            using var h = new OpHarness(gpu, seed: 3 + (int)format);
            var (table, deq) = h.QuantWeight("token_embd", format, vocab, hidden, scale: 1f);
            var i = h.Ints(ids);
            var y = h.Empty(ids.Length, hidden);
            h.Gpu.Embedding(i.Gpu, table, y.Gpu);
            var reference = ids.SelectMany(id => deq.AsSpan(id * hidden, hidden).ToArray()).Select(h.Round).ToArray();
            // The device may fuse a dequantization's d·q + m into one FMA (ggml's CUDA code does too): one fp32 ulp, which
            // can move a bf16 rounding by one step in rare elements.
            Check($"Embedding {format}", device, type, reference, ReadGpu(h, y.Gpu), type == DType.F32 ? 1e-12 : 1e-6);
        }
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_token_id_outside_a_block_table_is_reported_at_the_next_synchronisation(int device)
    {
        using var gpu = Gpu.Open(device);
        using var h = new OpHarness(gpu);
        var (table, _) = h.QuantWeight("token_embd", TensorFormat.Q4_K, 10, 256);
        var ids = h.Ints([3, 10]);
        var y = h.Empty(2, 256);
        gpu.Embedding(ids.Gpu, table, y.Gpu);
        var e = Assert.Throws<InvalidOptionException>(gpu.Synchronize);
        Assert.Contains("vocabulary", e.Message);
        gpu.Synchronize();
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void An_fp8_weight_with_rows_that_are_not_whole_32_code_parts_is_refused_naming_it_and_what_to_do(int device)
    {
        using var gpu = Gpu.Open(device);
        ExpectRefused(gpu, "model.layers.0.mlp.down_proj.weight", TensorFormat.FP8, 4, 688, "model.layers.0.mlp.down_proj.weight", "688", "--quant fp8");
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_weight_format_without_a_kernel_is_refused_naming_the_tensor_and_the_supported_formats(int device)
    {
        using var gpu = Gpu.Open(device);
        foreach (var format in Formats)
        {
            Assert.True(gpu.Supports(BackendOp.MatMul, format), $"{format} products");
            Assert.True(gpu.Supports(BackendOp.Embedding, format), $"{format} embedding");
        }
        Assert.False(gpu.Supports(BackendOp.MatMul, TensorFormat.F8_E4M3));
        ExpectRefused(gpu, "blk.0.attn_q.weight", TensorFormat.F8_E4M3, 16, 32, "blk.0.attn_q.weight", "F8_E4M3", "Q4_K");
    }

    /// <summary>Loading a [rows, cols] weight of zeros in <paramref name="format"/> throws InvalidCheckpointException with each of <paramref name="parts"/>.</summary>
    private static unsafe void ExpectRefused(CudaBackend gpu, string name, TensorFormat format, int rows, int cols, params string[] parts)
    {
        var bytes = new byte[format.ByteCount([rows, cols])];
        fixed (byte* p = bytes)
        {
            var view = new TensorView(name, format, [rows, cols], p, bytes.Length);
            var e = Assert.Throws<InvalidCheckpointException>(() => gpu.LoadWeight(view));
            foreach (string part in parts) Assert.Contains(part, e.Message, StringComparison.Ordinal);
        }
    }
}
