using LlmLab.Backends;
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

    [Theory, MemberData(nameof(Devices))]
    public void Gpu_repetition_penalty_equals_the_cpu_reference_and_records_the_consumed_ids(int device)
    {
        using var gpu = Gpu.Open(device, DType.F32);
        using var h = new OpHarness(gpu);
        const int rows = 3, vocab = 128256;
        var (cpuLogits, gpuLogits) = h.Activation(h.Random((long)rows * vocab, 4f), rows, vocab);
        // Each row has seen a few ids (one twice); the consumed ids add one new id per row.
        var mask = new int[rows * vocab];
        foreach (var (row, id) in new[] { (0, 5), (0, 5), (0, 128255), (1, 0), (1, 77), (2, 3000) }) mask[row * vocab + id] = 1;
        var seen = (h.Cpu.Allocate(DType.I32, rows, vocab), gpu.Allocate(DType.I32, rows, vocab));
        using var cpuSeen = seen.Item1;
        using var gpuSeen = seen.Item2;
        h.Cpu.Write(cpuSeen, mask);
        gpu.Write(gpuSeen, mask);
        var consumed = h.Ints([9, 77, 128000]);
        // A penalty after the prompt (nothing consumed), then one after a decode step (below 1: seen ids favoured).
        h.Cpu.RepetitionPenalty(cpuLogits, cpuSeen, null, 1.3f);
        gpu.RepetitionPenalty(gpuLogits, gpuSeen, null, 1.3f);
        h.Cpu.RepetitionPenalty(cpuLogits, cpuSeen, consumed.Cpu, 0.7f);
        gpu.RepetitionPenalty(gpuLogits, gpuSeen, consumed.Gpu, 0.7f);
        var (c, g) = h.Read((cpuLogits, gpuLogits));
        Assert.Equal(c, g);
        var (cs, gs) = (new int[rows * vocab], new int[rows * vocab]);
        h.Cpu.Read(cpuSeen, cs);
        gpu.Read(gpuSeen, gs);
        Assert.Equal(cs, gs);
        Assert.Equal(1, gs[2 * vocab + 128000]);
    }
}
