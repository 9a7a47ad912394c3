using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Device maps on one GPU (issue 11, item 7): cuda + cpu splits (llama.cpp's <c>--n-gpu-layers</c> shape, and the
/// reverse; with every KV cache on the CPU, llama.cpp's -nkvo) and a split over two CUDA backends on the same GPU (the device-to-device copy) against the single-GPU model.
/// Bounds are ModelTests' GPU-vs-CPU ones (F32 NMSE ≤ 1e-8; BF16 NMSE ≤ 1e-3, top-1 ≥ 95 %): a split differs from one
/// GPU by where the layers computed (fp32 CPU layers) and by an unfused add + norm at each boundary.
/// </summary>
public sealed class DeviceMapTests
{
    private const double F32Bound = ModelTests.F32Bound, HalfBound = ModelTests.HalfBound, Top1Bound = ModelTests.Top1Bound;

    /// <summary>Brown (untied head) and qwen2-tiny (tied head: a copy of the table on the head's device).</summary>
    private static readonly string[] Models = ["brown-llama-7m", "qwen2-tiny"];

    public static TheoryData<int, DType, string> Cases => Gpu.DevicesTypesAnd(Models);

    private static string Folder(string model) => model == "brown-llama-7m" ? Fixtures.BrownModel : Fixtures.Model(model);

    /// <summary>64 positions: top-1 agreement over 16 moved in steps of 6 % (one near-tie of a random-weight model flipped it).</summary>
    private static readonly int[] Prompt = Enumerable.Range(0, 64).Select(i => 1 + (i * 37 + 11) % 250).ToArray();

    private static float[] Logits(Transformer model)
    {
        using var session = model.CreateSession(1, 128, Prompt.Length);
        return session.StepToHost(Prompt, LogitsFor.AllPositions);
    }

    private static void Check(string what, DType type, float[] actual, float[] expected, int vocab)
    {
        var cmp = LogitComparison.Compare(actual, expected, vocab);
        Report.Line($"map {what,-62} NMSE {cmp.Nmse:E2} top-1 {cmp.Top1Agreement:P1} max|Δ| {cmp.MaxAbsoluteError:E2}");
        double bound = type == DType.F32 ? F32Bound : HalfBound;
        Assert.True(cmp.Nmse <= bound, $"{what}: NMSE {cmp.Nmse:E3} above {bound:E0}");
        if (type != DType.F32) Assert.True(cmp.Top1Agreement >= Top1Bound, $"{what}: top-1 {cmp.Top1Agreement:P1} below {Top1Bound:P0}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Cuda_and_cpu_splits_give_the_single_gpu_logits_and_greedy_tokens(int device, DType type, string model)
    {
        using var gpu = Gpu.Open(device, type);
        using var single = Transformer.Load(Folder(model), gpu);
        var expected = Logits(single);
        int layers = single.Config.NumLayers, vocab = single.Config.VocabSize;
        var greedy = Tokens(single);
        string g = $"cuda:{device}";
        var splits = new (string Name, DeviceMap Map)[]
        {
            ("n-gpu-layers half (cpu first)", DeviceMap.GpuLayers(g, layers / 2 + 1, layers)),
            ("gpu first, cpu head", new DeviceMap(g, Enumerable.Range(0, layers).Select(l => l < layers / 2 ? g : "cpu").ToArray(), "cpu")),
            // --kv-offload none: the GPU layers' q, k, v cross to the CPU, which holds every cache and attends (uncaptured decode).
            ("all on the gpu, kv caches on the cpu", DeviceMap.OnDevice(g, layers) with { KvCacheOnCpu = true }),
            ("n-gpu-layers half, kv caches on the cpu", DeviceMap.GpuLayers(g, layers / 2 + 1, layers) with { KvCacheOnCpu = true }),
        };
        foreach (var (name, map) in splits)
        {
            using var cpu = new CpuBackend();
            using var split = Transformer.Load(Folder(model), map, new Dictionary<string, IBackend> { [g] = gpu, ["cpu"] = cpu });
            Check($"{model} {type} {name}", type, Logits(split), expected, vocab);
            // Decode through captured per-stage graphs and host crossings: F32 chooses the tokens one GPU chooses.
            var tokens = Tokens(split);
            Report.Line($"map {model} {type} {name}: greedy {tokens.Zip(greedy).Count(p => p.First == p.Second)}/{greedy.Length} tokens as one GPU");
            if (type == DType.F32) Assert.Equal(greedy, tokens);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void A_split_over_two_cuda_backends_on_one_gpu_gives_the_single_gpu_logits(int device, DType type, string model)
    {
        using var first = Gpu.Open(device, type);
        using var second = Gpu.Open(device, type);
        using var single = Transformer.Load(Folder(model), first);
        var expected = Logits(single);
        var greedy = Tokens(single);
        int layers = single.Config.NumLayers;
        // Two labels for the two backends of one GPU: the map's second "device" is the second backend.
        var map = new DeviceMap("cuda:0", Enumerable.Range(0, layers).Select(l => l < layers / 2 ? "cuda:0" : "cuda:1").ToArray(), "cuda:1");
        using var split = Transformer.Load(Folder(model), map, new Dictionary<string, IBackend> { ["cuda:0"] = first, ["cuda:1"] = second });
        Check($"{model} {type} two backends on cuda:{device}", type, Logits(split), expected, single.Config.VocabSize);
        var tokens = Tokens(split);
        Report.Line($"map {model} {type} two backends: greedy {tokens.Zip(greedy).Count(p => p.First == p.Second)}/{greedy.Length} tokens as one GPU");
        if (type == DType.F32) Assert.Equal(greedy, tokens);
        Assert.True(second.Memory[MemoryCategory.Weights] > 0 && second.Memory[MemoryCategory.Weights] < first.Memory[MemoryCategory.Weights],
            "the second backend holds its half of the weights (the first also holds the single-GPU model)");
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void The_planner_sizes_each_device_of_a_split_as_its_ledger_holds_it(int device)
    {
        using var gpu = Gpu.Open(device, DType.BF16);
        using var cpu = new CpuBackend();
        string g = $"cuda:{device}";
        var model = PlanModel.Resolve(Fixtures.BrownModel, null);
        int layers = model.Config.NumLayers, context = 256;
        var map = DeviceMap.GpuLayers(g, layers / 2 + 1, layers);
        var plan = MemoryPlanner.Plan(model, map, context, 1, new Dictionary<string, PlanDevice>(), DType.BF16);
        using var split = Transformer.Load(Fixtures.BrownModel, map, new Dictionary<string, IBackend> { [g] = gpu, ["cpu"] = cpu });
        using var session = split.CreateSession(1, context);
        session.Step(Prompt);
        session.Step([4]);
        foreach (var (name, backend) in new (string, IBackend)[] { (g, gpu), ("cpu", cpu) })
        {
            var p = plan.Devices.Single(d => d.Device == name);
            Report.Line($"map plan {name}: weights {p.WeightsBytes} vs {backend.Memory[MemoryCategory.Weights]}, KV {p.KvCacheBytes} vs {backend.Memory[MemoryCategory.KvCache]}");
            Assert.Equal(p.WeightsBytes, backend.Memory[MemoryCategory.Weights]);
            Assert.Equal(p.KvCacheBytes, backend.Memory[MemoryCategory.KvCache]);
        }
    }

    private static int[] Tokens(Transformer model)
    {
        using var session = model.CreateSession(1, 128);
        return session.Decode(Prompt, 16, SamplingOptions.Greedy).SelectMany(t => t.Ids).ToArray();
    }
}
