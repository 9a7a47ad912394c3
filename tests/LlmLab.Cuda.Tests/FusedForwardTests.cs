using LlmLab.Backends.Cpu;
using LlmLab.Checkpoints;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Whole forward passes through the named fused ops (<see cref="Backends.IBackend.QkvRopeAndCache"/>,
/// <see cref="Backends.IBackend.GateUpSwiGlu"/>) on the GPU against the same GPU running each fused op as its
/// composition (<see cref="CudaTuning.FuseProducts"/> off), and against the CPU: a prefill of half the prompt with the
/// logits of every position (cuBLASLt products; q/k/v as one product over the grouped weights where there are no
/// biases), then one decode step per token (the fused GEMV kernels). Models: the llama and qwen2 fixtures (qwen2: q/k/v biases) and a random-weight Qwen3 (q/k
/// norm) written by the engine's make-random code. Bounds as in <see cref="ModelTests"/>: F32 compute NMSE ≤ 1e-8;
/// BF16 NMSE ≤ 1e-3 with ≥ 95% top-1 agreement (the fused and unfused kernels round at the same points but may sum in
/// another order).
/// </summary>
public sealed class FusedForwardTests : IDisposable
{
    // 2 sequences of 32 tokens: 64 rows of logits (16 prefill positions and 16 decode steps per sequence), so the top-1
    // bound allows 3 near-ties flipped by rounding.
    private const int Batch = 2, Tokens = 32, Vocab = 512;

    /// <summary>A Qwen3 of test size: 128 hidden, 4 heads of 32 (2 KV heads), 2 layers, q/k norm, untied head.</summary>
    private static readonly ModelPreset TinyQwen3 = new("tiny-qwen3", "qwen3", 128, 256, 2, 4, 2, Vocab, 1000000, 256, 1e-6f, false, 32);

    private readonly string _qwen3 = Path.Combine(Path.GetTempPath(), $"llmlab-fused-qwen3-{Guid.NewGuid():N}");

    public static TheoryData<int, DType, string> Cases => Gpu.DevicesTypesAnd(["llama-tiny", "qwen2-tiny", "qwen3-random"]);

    [Theory, MemberData(nameof(Cases))]
    public void The_fused_forward_matches_its_composition_and_the_cpu(int device, DType type, string model)
    {
        using var gpu = Gpu.Open(device, type);
        string folder = model == "qwen3-random" ? WriteQwen3() : Fixtures.Model(model);
        var random = new Random(11);
        var prompt = Enumerable.Range(0, Batch * Tokens).Select(_ => random.Next(Vocab)).ToArray();

        var fused = PrefillThenDecode(gpu, folder, prompt);
        var tuned = gpu.Tuning;
        gpu.Tuning = tuned with { FuseProducts = false };
        var composed = PrefillThenDecode(gpu, folder, prompt);
        gpu.Tuning = tuned;
        using var cpu = new CpuBackend();
        var reference = PrefillThenDecode(cpu, folder, prompt);

        int vocab = fused.Length / (Batch * Tokens);
        Check($"{model} cuda:{device} {type} fused vs composed", type, LogitComparison.Compare(fused, composed, vocab));
        Check($"{model} cuda:{device} {type} fused vs CPU", type, LogitComparison.Compare(fused, reference, vocab));
    }

    /// <summary>Logits of every prefill position and of every decode step, [batch · tokens, vocab] (prefill rows first).</summary>
    private static float[] PrefillThenDecode(Backends.IBackend backend, string folder, int[] prompt)
    {
        using var transformer = Transformer.Load(folder, backend);
        using var session = transformer.CreateSession(Batch, Tokens, Tokens);
        int prefill = Tokens / 2;
        var logits = new List<float>(session.StepToHost(Decoding.Slice(prompt, Batch, Tokens, 0, prefill), LogitsFor.AllPositions));
        for (int t = prefill; t < Tokens; t++) logits.AddRange(session.StepToHost(Decoding.Slice(prompt, Batch, Tokens, t, t + 1)));
        return logits.ToArray();
    }

    private string WriteQwen3()
    {
        if (!Directory.Exists(_qwen3)) RandomCheckpoint.Write(TinyQwen3, DType.BF16, _qwen3, seed: 5);
        return _qwen3;
    }

    private static void Check(string what, DType type, LogitComparison cmp)
    {
        Report.Line($"model {what,-58} NMSE {cmp.Nmse:E2} top-1 {cmp.Top1Agreement:P1} max|Δ| {cmp.MaxAbsoluteError:E2}");
        if (type == DType.F32) Assert.True(cmp.Nmse <= ModelTests.F32Bound, $"{what}: NMSE {cmp.Nmse:E3} above {ModelTests.F32Bound:E0}");
        else
        {
            Assert.True(cmp.Nmse <= ModelTests.HalfBound, $"{what}: NMSE {cmp.Nmse:E3} above {ModelTests.HalfBound:E0}");
            Assert.True(cmp.Top1Agreement >= ModelTests.Top1Bound, $"{what}: top-1 agreement {cmp.Top1Agreement:P1} below {ModelTests.Top1Bound:P0}");
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_qwen3)) Directory.Delete(_qwen3, recursive: true);
    }
}
