using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;
using LlmLab.Tests.Backends;
using Xunit;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// LlmLab's CPU matmul on every ggml block format and F16 against llama.cpp's own CPU dot product on the same bytes and
/// activations (<see cref="GgmlCpuReference"/>: the vec_dot_type's from_float, then vec_dot). LlmLab quantizes the
/// activations as llama.cpp does (Q8_0 / Q8_1 / Q8_K per format, fp16 for F16), so the two differ only in the order of float
/// additions: a few ulp per output, NMSE ~1e-14. A different activation rounding shows up at ~1e-5 and a wrong
/// scale or nibble far above, so the bound (1e-11) pins the numerics, not just the magnitude.
/// One and two activation rows take the fused decode kernels, seven the prefill passes (pairs of W rows × four
/// activation rows, then the rest); 37 outputs split unevenly over tasks.
/// </summary>
public sealed unsafe class CpuMatMulGgmlTests(ITestOutputHelper output)
{
    private const double MaxNmse = 1e-11;

    /// <summary>The 13 block formats and F16 (whose activations both round to fp16; BF16 differs by design, see CpuMatMul).</summary>
    public static TheoryData<TensorFormat> BlockFormats() => new(TensorFormats.All.Where(f => f.IsBlockQuantized() || f == TensorFormat.F16));

    [Theory]
    [MemberData(nameof(BlockFormats))]
    public void Cpu_matmul_equals_llama_cpps_vec_dot_on_the_same_blocks_and_activations(TensorFormat format)
    {
        const int outputs = 37, k = 768;   // three 256-element super-blocks, 24 blocks of 32
        var weights = QuantizedWeights.Quantized(format, outputs, k, seed: 11);
        using var backend = new CpuBackend();
        using var w = weights.Load(backend);
        foreach (int rows in new[] { 1, 2, 7 })
        {
            var x = QuantizedWeights.Gaussian(rows * k, seed: 40 + rows, sigma: 1f);
            using var input = backend.Allocate(DType.F32, rows, k);
            using var y = backend.Allocate(DType.F32, rows, outputs);
            x.CopyTo(((CpuTensor)input).FloatSpan);

            backend.MatMul(input, w, null, y);

            var ours = ((CpuTensor)y).FloatSpan.ToArray();
            var reference = GgmlCpuReference.MatMul(format, weights.Bytes, outputs, k, x, rows);
            double err = 0, norm = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                err += (double)(ours[i] - reference[i]) * (ours[i] - reference[i]);
                norm += (double)reference[i] * reference[i];
            }
            double nmse = err / norm;
            output.WriteLine($"{format} rows={rows} activation type {GgmlCpuReference.VecDotType(format)} ({GgmlCpuReference.Variant}): NMSE {nmse:E2}");
            Assert.True(nmse <= MaxNmse, $"{format}, {rows} rows: NMSE vs ggml's vec_dot {nmse:E3} > {MaxNmse:E0}");
        }
    }
}
