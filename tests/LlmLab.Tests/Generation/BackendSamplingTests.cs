using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Tests.Generation;

/// <summary>The backend sampling op (IBackend.Sample) on the CPU reference.</summary>
public sealed class BackendSamplingTests
{
    private static readonly float[] Logits = [1f, 3f, 2f, 0.5f, 2.9f];

    private static int[] Draw(float[] logits, float temperature, int topK, float topP, float[] uniforms)
    {
        using var cpu = new CpuBackend();
        int rows = uniforms.Length, vocab = logits.Length;
        using var l = cpu.Allocate(DType.F32, rows, vocab);
        using var ids = cpu.Allocate(DType.I32, rows, 1);
        // Same logits in every row, one draw per row.
        var values = Enumerable.Range(0, rows).SelectMany(_ => logits).ToArray();
        var t = (CpuTensor)l;
        values.CopyTo(t.FloatSpan);
        cpu.Sample(l, temperature, topK, topP, uniforms, ids);
        var result = new int[rows];
        cpu.Read(ids, result);
        return result;
    }

    private static float[] Uniforms(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)r.NextDouble()).ToArray();
    }

    [Fact]
    public void Top_k_of_one_is_the_argmax_for_every_draw() =>
        Assert.All(Draw(Logits, 2f, 1, 1f, Uniforms(50, 1)), id => Assert.Equal(1, id));

    [Fact]
    public void Top_k_of_two_keeps_the_two_largest_logits() =>
        Assert.Equal([1, 4], Draw(Logits, 1f, 2, 1f, Uniforms(400, 2)).ToHashSet().Order());

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        // softmax ≈ [.05, .37, .14, .03, .34]: p = 0.6 keeps ids 1 and 4.
        Assert.Equal([1, 4], Draw(Logits, 1f, 0, 0.6f, Uniforms(400, 3)).ToHashSet().Order());
    }

    [Fact]
    public void Draws_follow_the_softmax_probabilities()
    {
        const int n = 20000;
        var ids = Draw(Logits, 1f, 0, 1f, Uniforms(n, 4));
        double z = Logits.Sum(v => Math.Exp(v));
        for (int id = 0; id < Logits.Length; id++)
        {
            double expected = Math.Exp(Logits[id]) / z, observed = ids.Count(i => i == id) / (double)n;
            // 5 standard errors of a binomial proportion.
            Assert.True(Math.Abs(observed - expected) < 5 * Math.Sqrt(expected * (1 - expected) / n), $"id {id}: {observed:F4} vs {expected:F4}");
        }
    }

    [Fact]
    public void The_draw_scans_kept_tokens_in_vocabulary_order()
    {
        // Uniform logits over 4 tokens: u in [0.25, 0.5) lands on the second.
        Assert.Equal([1], Draw([0f, 0f, 0f, 0f], 1f, 0, 1f, [0.3f]));
    }
}
