using System.Runtime.Intrinsics.X86;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The repacked kernels (<see cref="CpuRepackedMatMul"/> over <see cref="CpuRepackedWeight"/>, 16 W rows interleaved;
/// Q4_0, Q8_0, Q4_K, Q6_K)
/// against the row-by-row kernels on the same blocks and the same quantized activations (CpuQuantMatMulTests checks
/// the row-by-row kernels against fp32 math and llama.cpp's numerics). Both form the same exact int32 block sums, so
/// they may differ only in the order of fp32 additions. Shapes cover one group and several, W rows past the last
/// group (n % 16 ≠ 0) and fewer than one group, one block per row and many, one to nine activation rows (the decode
/// path, the four-row prefill pass and the rows after it). Skipped in effect on machines without AVX-512BW, where
/// nothing is repacked and both sides are the same kernels.
/// </summary>
public sealed unsafe class CpuRepackedMatMulTests
{
    /// <summary>
    /// NMSE bound between the two: each output is a sum of k/32 (or k/256) fp32 products of exact integers, ordered
    /// differently; fp32 rounding of ~100 terms gives relative errors ~1e-7 per output, NMSE ~1e-14 (measured 2e-14 –
    /// 1e-12), so 1e-10 as for the kernels' own same-activation check.
    /// </summary>
    private const double SameSumsNmse = 1e-10;

    public static TheoryData<TensorFormat, int, int, int> Shapes()
    {
        var data = new TheoryData<TensorFormat, int, int, int>();
        foreach (var f in new[] { TensorFormat.Q4_0, TensorFormat.Q8_0, TensorFormat.Q4_K, TensorFormat.Q5_K, TensorFormat.Q6_K })
        {
            int block = f.BlockLength();
            data.Add(f, 1, 16, block);          // decode, one group, one block
            data.Add(f, 2, 17, 16 * block);     // decode of two rows, a W row past the group, many blocks
            data.Add(f, 3, 33, 3 * block);      // three rows (no four-row pass), two groups and one row
            data.Add(f, 4, 48, block);          // one four-row pass, three groups
            data.Add(f, 5, 31, 13 * block);     // a pass and one row; 15 W rows past the group
            data.Add(f, 9, 64, 4096);           // two passes and one row, k = 4096
            data.Add(f, 6, 7, 2 * block);       // fewer W rows than a group: nothing repacked
            data.Add(f, 1, 2061, 2 * block);    // decode: 128 groups in tasks of four streams of up to four groups, 13 W rows past them
            data.Add(f, 2, 1202, block);        // decode of two rows: a last task with groups past its whole quarters
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Repacked_product_matches_the_row_by_row_kernels_on_random_blocks(TensorFormat format, int rows, int outputs, int k)
    {
        var weights = QuantizedWeights.RandomBlocks(format, outputs, k, seed: rows * 1000 + outputs);
        var x = QuantizedWeights.Gaussian(rows * k, seed: outputs, sigma: 1f);

        var (repacked, byRows) = BothProducts(weights, x, rows);

        double nmse = Nmse(repacked, byRows);
        Assert.True(nmse <= SameSumsNmse, $"{format} [{rows}×{k}]·[{outputs}×{k}]ᵀ: NMSE {nmse:E2} > {SameSumsNmse:E0}");
    }

    /// <summary>
    /// All nibbles 15 (Q6_K: all six bits set; Q8_0: every q = −128) and activations all ±127 push every int16 partial
    /// sum to its largest value (Q4: 8 pairs × 2 × 15 × 127 = 30480; Q5_K: 4 pairs × 2 × 31 × 127 = 31496; Q6_K: 2 pairs
    /// × 2 × 63 × 127 = 32004; Q8_0: one pair
    /// 2 × 128 × 127 = 32512): a saturating sum would show.
    /// </summary>
    [Theory]
    [InlineData(TensorFormat.Q4_0, 1f)]
    [InlineData(TensorFormat.Q4_0, -1f)]
    [InlineData(TensorFormat.Q8_0, 1f)]
    [InlineData(TensorFormat.Q8_0, -1f)]
    [InlineData(TensorFormat.Q4_K, 1f)]
    [InlineData(TensorFormat.Q4_K, -1f)]
    [InlineData(TensorFormat.Q5_K, 1f)]
    [InlineData(TensorFormat.Q5_K, -1f)]
    [InlineData(TensorFormat.Q6_K, 1f)]
    [InlineData(TensorFormat.Q6_K, -1f)]
    public void Largest_nibbles_and_activations_keep_the_integer_sums_exact(TensorFormat format, float value)
    {
        const int outputs = 32, rows = 5, k = 512;
        var weights = QuantizedWeights.Saturated(format, outputs, k);
        var x = Enumerable.Repeat(value, rows * k).ToArray();

        var (repacked, byRows) = BothProducts(weights, x, rows);

        // A constant row quantizes to q = ±127 everywhere: with d = fp16(1/127) (Q8_0 activations, for Q4_0) or
        // d = 1/(−127/x) (Q8_K, for the K-quants) each activation is d·q, so only fp32 rounding separates the product
        // of the dequantized weights with d·q from the kernels'.
        float rounded = format is TensorFormat.Q4_0 or TensorFormat.Q8_0 ? (float)(Half)(1f / 127f) * 127 * value : 1f / (-127f / value) * -127;
        var exact = new double[rows * outputs];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < outputs; j++)
                for (int e = 0; e < k; e++) exact[i * outputs + j] += (double)weights.Dequantized[j * k + e] * rounded;
        Assert.True(Nmse(repacked, byRows) <= SameSumsNmse, $"{format}: repacked differs from the row-by-row kernels");
        Assert.True(Nmse(repacked, exact) <= SameSumsNmse, $"{format}: NMSE vs exact {Nmse(repacked, exact):E2}");
    }

    [Theory]
    [InlineData(TensorFormat.Q4_0)]
    [InlineData(TensorFormat.Q8_0)]
    [InlineData(TensorFormat.Q4_K)]
    [InlineData(TensorFormat.Q5_K)]
    [InlineData(TensorFormat.Q6_K)]
    public void Repacked_product_is_the_same_on_one_thread_and_on_the_worker_team(TensorFormat format)
    {
        const int outputs = 160, k = 1024;
        var weights = QuantizedWeights.RandomBlocks(format, outputs, k, seed: 11);
        using var backend = new CpuBackend();
        using var w = weights.Load(backend);
        foreach (int rows in new[] { 1, 7 })
        {
            var x = QuantizedWeights.Gaussian(rows * k, seed: rows, sigma: 1f);
            var team = Product(backend, w, x, rows);
            float[]? alone = null;
            // A loop started inside a loop body runs on the calling thread, so this product uses one thread.
            CpuParallel.For(2, CpuParallel.MinParallelWork * 100, i => { if (i == 0) alone = Product(backend, w, x, rows); });
            Assert.Equal(team, alone);
        }
    }

    [Fact]
    public void Memory_ledger_counts_the_repacked_groups_and_the_rows_past_them()
    {
        using var backend = new CpuBackend();
        var q4_k = QuantizedWeights.RandomBlocks(TensorFormat.Q4_K, 40, 512, seed: 1);
        using var w = (CpuWeight)q4_k.Load(backend);
        long expected = Avx512BW.IsSupported
            ? 2 * (2 * CpuRepackedWeight.Q4_KSuperBlockBytes) + 8 * TensorFormat.Q4_K.RowBytes(512)
            : TensorFormat.Q4_K.ByteCount([40, 512]);
        Assert.Equal(Avx512BW.IsSupported, w.Repacked is not null);
        Assert.Equal(expected, backend.Memory[MemoryCategory.Weights]);
        w.Dispose();
        Assert.Equal(0, backend.Memory[MemoryCategory.Weights]);
    }

    /// <summary>y through the repacked weight (as LoadWeight makes it) and through the row-by-row kernels on the same bytes.</summary>
    private static (float[] Repacked, float[] ByRows) BothProducts(QuantizedWeights weights, float[] x, int rows)
    {
        using var backend = new CpuBackend();
        using var repacked = weights.Load(backend);
        using var byRows = new CpuWeight(weights.View(), weights.Rows, weights.Cols, backend.Memory, resident: false);
        if (Avx512BW.IsSupported) Assert.Equal(weights.Rows >= CpuRepackedWeight.GroupRows, ((CpuWeight)repacked).Repacked is not null);
        return (Product(backend, repacked, x, rows), Product(backend, byRows, x, rows));
    }

    private static float[] Product(CpuBackend backend, DeviceWeight w, float[] x, int rows)
    {
        using var input = backend.Allocate(DType.F32, rows, w.Cols);
        using var output = backend.Allocate(DType.F32, rows, w.Rows);
        x.CopyTo(((CpuTensor)input).FloatSpan);
        backend.MatMul(input, w, null, output);
        return ((CpuTensor)output).FloatSpan.ToArray();
    }

    private static double Nmse(float[] y, float[] reference) => Nmse(y, reference.Select(v => (double)v).ToArray());

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
