using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Whole models on every GPU against the CPU reference (which matches PyTorch on these fixtures) and against
/// PyTorch's logits where the fixture has them. Bounds: F32 compute NMSE ≤ 1e-8; BF16 and F16 compute NMSE ≤ 1e-3
/// with ≥ 95% top-1 agreement. Decode with the KV cache (captured graphs, and eagerly) must reproduce the full forward.
/// </summary>
public sealed class ModelTests
{
    internal const double F32Bound = 1e-8;
    internal const double HalfBound = 1e-3;
    internal const double Top1Bound = 0.95;

    /// <summary>Fixture model folders and where their inputs (and PyTorch logits) are.</summary>
    private static readonly string[] Models = ["llama-tiny", "qwen2-tiny", "llama-tiny-bf16", "qwen2-tiny-bf16", "brown-llama-7m"];

    public static TheoryData<int, DType, string> Cases
    {
        get
        {
            var data = Gpu.DevicesTypesAnd(Models);
            foreach (int device in Gpu.Ordinals) data.Add(device, DType.F16, "llama-tiny");
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Interleaved_rope_of_gguf_llama_is_refused_naming_the_cpu_backend(int device)
    {
        using var backend = Gpu.Open(device);
        var rope = new RopeConfig("default", 10000) { Interleaved = true };
        var e = Assert.Throws<InvalidOptionException>(() => backend.CreateRopeTable(rope.Spec(16), 8));
        Assert.Contains("interleaved", e.Message, StringComparison.Ordinal);
        Assert.Contains("CPU backend", e.Message, StringComparison.Ordinal);
    }

    private static string Folder(string model) => model == "brown-llama-7m" ? Fixtures.BrownModel : Fixtures.Model(model);

    private static string ExpectedFile(string model) => model == "brown-llama-7m"
        ? Fixtures.BrownExpected
        : Path.Combine(Fixtures.Model(model.Replace("-bf16", "")), "expected.safetensors");

    /// <summary>The fixture's input ids (sequence-major) and their shape.</summary>
    private static (int[] Ids, int Batch, int Tokens) Inputs(string model) => Fixtures.InputIds(ExpectedFile(model));

    private static float[] AllLogits(IBackend backend, string model, int[] ids, int batch, int tokens)
    {
        using var transformer = Transformer.Load(Folder(model), backend);
        using var session = transformer.CreateSession(batch, tokens, tokens);
        return session.StepToHost(ids, LogitsFor.AllPositions);
    }

    private static void CheckAgreement(string what, DType type, LogitComparison cmp)
    {
        Report.Line($"model {what,-58} NMSE {cmp.Nmse:E2} top-1 {cmp.Top1Agreement:P1} KL {cmp.MeanKlDivergence:E2} max|Δ| {cmp.MaxAbsoluteError:E2}");
        if (type == DType.F32) Assert.True(cmp.Nmse <= F32Bound, $"{what}: NMSE {cmp.Nmse:E3} above {F32Bound:E0}");
        else
        {
            Assert.True(cmp.Nmse <= HalfBound, $"{what}: NMSE {cmp.Nmse:E3} above {HalfBound:E0}");
            Assert.True(cmp.Top1Agreement >= Top1Bound, $"{what}: top-1 agreement {cmp.Top1Agreement:P1} below {Top1Bound:P0}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void All_position_logits_match_the_cpu_reference(int device, DType type, string model)
    {
        using var gpu = Gpu.Open(device, type);
        var (ids, batch, tokens) = Inputs(model);
        using var cpu = new CpuBackend();
        var reference = AllLogits(cpu, model, ids, batch, tokens);
        var logits = AllLogits(gpu, model, ids, batch, tokens);
        int vocab = reference.Length / (batch * tokens);
        CheckAgreement($"{model} cuda:{device} {type} vs CPU", type, LogitComparison.Compare(logits, reference, vocab));

        if (type != DType.F32) return;
        using var expected = SafetensorsFile.Open(ExpectedFile(model));
        if (model.EndsWith("-bf16", StringComparison.Ordinal))
            CheckAgreement($"{model} cuda:{device} {type} vs PyTorch", type, LogitComparison.Compare(logits, expected.Tensor("logits_bf16_weights").ToFloatArray(), vocab));
        else if (model == "brown-llama-7m")
        {
            int kept = (int)expected.Tensor("logits").Shape[1];
            var first = new float[batch * kept * vocab];
            for (int b = 0; b < batch; b++) Array.Copy(logits, (long)b * tokens * vocab, first, (long)b * kept * vocab, (long)kept * vocab);
            CheckAgreement($"{model} cuda:{device} {type} vs PyTorch", type, LogitComparison.Compare(first, expected.Tensor("logits").ToFloatArray(), vocab));
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Decode_with_the_cache_reproduces_the_full_forward(int device, DType type, string model)
    {
        using var gpu = Gpu.Open(device, type);
        var (ids, batch, tokens) = Inputs(model);
        if (model == "brown-llama-7m") tokens = Math.Min(tokens, 64); // enough decode steps; keeps the test short
        var prompt = Decoding.Slice(ids, batch, (int)Inputs(model).Tokens, 0, tokens);
        var full = AllLogits(gpu, model, prompt, batch, tokens);
        int vocab = full.Length / (batch * tokens), prefill = tokens / 2;
        foreach (var (name, backend) in new (string, IBackend)[] { ("graphs", gpu), ("eager", new EagerBackend(gpu)) })
        {
            using var transformer = Transformer.Load(Folder(model), backend);
            using var session = transformer.CreateSession(batch, tokens, tokens);
            var got = new List<float>();
            var want = new List<float>();
            void Take(float[] logits, int position)
            {
                got.AddRange(logits);
                for (int b = 0; b < batch; b++) want.AddRange(full.AsSpan(((b * tokens) + position) * vocab, vocab).ToArray());
            }
            Take(session.StepToHost(Decoding.Slice(prompt, batch, tokens, 0, prefill)), prefill - 1);
            for (int t = prefill; t < tokens; t++) Take(session.StepToHost(Decoding.Slice(prompt, batch, tokens, t, t + 1)), t);
            CheckAgreement($"{model} cuda:{device} {type} decode ({name}) vs full", type, LogitComparison.Compare(got.ToArray(), want.ToArray(), vocab));
        }
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Greedy_generation_with_device_argmax_matches_the_cpu(int device)
    {
        using var gpu = Gpu.Open(device, DType.F32);
        var (ids, _, tokens) = Inputs("llama-tiny");
        var prompt = ids[..tokens];
        const int newTokens = 16;
        var onGpu = Greedy(gpu, prompt, newTokens);
        using var cpu = new CpuBackend();
        var onCpu = Greedy(cpu, prompt, newTokens);
        using var expected = SafetensorsFile.Open(ExpectedFile("llama-tiny"));
        var pytorch = expected.Tensor("greedy_ids").ToInt64Array().Select(v => (int)v).ToArray();
        Report.Line($"greedy llama-tiny cuda:{device} F32: {string.Join(' ', onGpu)} (CPU agrees on {onGpu.Zip(onCpu).Count(p => p.First == p.Second)}/{newTokens}, PyTorch on {onGpu.Zip(pytorch).Count(p => p.First == p.Second)}/{newTokens})");
        Assert.Equal(onCpu, onGpu);
    }

    private static int[] Greedy(IBackend backend, int[] prompt, int count)
    {
        using var transformer = Transformer.Load(Fixtures.Model("llama-tiny"), backend);
        return Decoding.Greedy(transformer, backend, prompt, count);
    }
}
