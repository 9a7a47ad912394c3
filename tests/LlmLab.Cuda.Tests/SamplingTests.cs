using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Sampling on the GPU against the CPU reference: the same draws must pick the same tokens. The CPU sums
/// probabilities in double and the GPU in float, so a draw that lands within rounding of a boundary may pick
/// a neighbour: at least 99% of rows must agree, and top-k = 1 must always be the argmax.
/// </summary>
public sealed class SamplingTests
{
    public static TheoryData<int> Devices => Gpu.Devices;

    [Theory, MemberData(nameof(Devices))]
    public void Gpu_draws_equal_the_cpu_reference_for_the_same_uniforms(int device)
    {
        // F32 compute so both backends hold bit-identical logits (an embedding of an fp32 table).
        using var gpu = Gpu.Open(device, DType.F32);
        using var h = new OpHarness(gpu);
        const int rows = 48, vocab = 32000;
        foreach (var (temperature, topK, topP) in new[] { (1f, 0, 1f), (0.7f, 40, 1f), (1f, 0, 0.9f), (0.8f, 50, 0.95f), (1.3f, 1000, 0.5f) })
        {
            // Logits of a realistic spread (a few strong candidates over a long tail).
            var (cpuLogits, gpuLogits) = h.Activation(h.Random((long)rows * vocab, 4f), rows, vocab);
            var uniforms = h.Random(rows).Select(v => Math.Abs(v) % 1f).ToArray();
            var ids = h.Ints(new int[rows]);
            h.Cpu.Sample(cpuLogits, temperature, topK, topP, uniforms, ids.Cpu);
            gpu.Sample(gpuLogits, temperature, topK, topP, uniforms, ids.Gpu);
            var (c, g) = (new int[rows], new int[rows]);
            h.Cpu.Read(ids.Cpu, c);
            gpu.Read(ids.Gpu, g);
            int agree = c.Zip(g).Count(p => p.First == p.Second);
            Report.Line($"sample T={temperature} k={topK} p={topP} cuda:{device}: {agree}/{rows} rows equal");
            Assert.True(agree >= rows * 99 / 100, $"T={temperature} k={topK} p={topP}: {agree}/{rows} rows equal");
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void Top_k_of_one_on_the_gpu_is_the_argmax(int device)
    {
        using var gpu = Gpu.Open(device, DType.F32);
        using var h = new OpHarness(gpu);
        const int rows = 8, vocab = 128256;
        var logits = h.Random((long)rows * vocab, 3f);
        var l = h.Activation(logits, rows, vocab);
        var ids = h.Ints(new int[rows]);
        gpu.Sample(l.Gpu, 0.9f, 1, 1f, h.Random(rows).Select(v => Math.Abs(v) % 1f).ToArray(), ids.Gpu);
        var got = new int[rows];
        gpu.Read(ids.Gpu, got);
        for (int r = 0; r < rows; r++)
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(r * vocab, vocab)), got[r]);
    }
}
