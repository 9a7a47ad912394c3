using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// CPU products with FP8 weight rows against the exact product (fp64) of the rows as <see cref="Fp8RowCodec"/> decodes
/// them: decode rows through <see cref="CpuFp8MatVec"/>'s byte lookups (on AVX-512 VBMI; else the widening path), prefill
/// rows through the widened tiles. Only fp32 summation order remains: NMSE ≤ 1e-12.
/// </summary>
public sealed unsafe class CpuFp8MatVecTests
{
    [Theory]
    [InlineData(1, 70, 4096 + 32)]    // a 64-code step tail of 32 codes (the scalar end of a row)
    [InlineData(2, 33, 256)]
    [InlineData(5, 40, 320)]          // prefill rows: the widened tiles
    public void Fp8_products_equal_the_product_of_the_decoded_rows(int n, int m, int k)
    {
        var random = new Random(n * 1000 + k);
        // Rows of different magnitudes, with zeros, tiny values (E4M3 subnormals after scaling) and both signs.
        var values = new float[(long)m * k];
        for (long i = 0; i < values.Length; i++) values[i] = (i % 97 == 0 ? 0f : (float)(random.NextDouble() * 2 - 1) * (i % 13 == 0 ? 1e-3f : 1f)) * (1 + (i / k) % 5);
        long rowBytes = TensorFormat.FP8.RowBytes(k);
        var bytes = new byte[m * rowBytes];
        var decoded = new float[values.Length];
        for (int r = 0; r < m; r++)
        {
            BlockCodec.Quantize(TensorFormat.FP8, values.AsSpan(r * k, k), bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
            BlockCodec.Dequantize(TensorFormat.FP8, bytes.AsSpan((int)(r * rowBytes), (int)rowBytes), decoded.AsSpan(r * k, k));
        }
        var x = Enumerable.Range(0, n * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        using var cpu = new CpuBackend();
        float[] y = new float[n * m];
        fixed (byte* p = bytes)
        {
            using var w = cpu.LoadWeight(new TensorView("w", TensorFormat.FP8, [m, k], p, bytes.Length));
            using var xs = cpu.Allocate(DType.F32, n, k);
            using var ys = cpu.Allocate(DType.F32, n, m);
            cpu.Write(xs, x);
            cpu.MatMul(xs, w, null, ys);
            cpu.Read(ys, y);
        }
        double error = 0, norm = 0;
        for (int i = 0; i < n; i++)
            for (int r = 0; r < m; r++)
            {
                double s = 0;
                for (int j = 0; j < k; j++) s += (double)x[i * k + j] * decoded[(long)r * k + j];
                error += (y[i * m + r] - s) * (y[i * m + r] - s);
                norm += s * s;
            }
        TestContext.Current.TestOutputHelper?.WriteLine($"n={n} [{m}, {k}] {(n <= 2 && CpuFp8MatVec.IsSupported ? "VBMI lookups" : "widened rows")}: NMSE {error / norm:E2}");
        Assert.True(error / norm <= 1e-12, $"NMSE {error / norm:E3}");
    }
}
