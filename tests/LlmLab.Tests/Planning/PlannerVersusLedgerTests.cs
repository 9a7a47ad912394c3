using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Checkpoints;
using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Tests.Planning;

/// <summary>
/// The planner's CPU bytes against the CPU backend's memory ledger after loading and a forward step (issue 11's target:
/// weights + KV + workspace within 3 % and within 64 MiB). Models: the embedded Brown model (data/models, BF16) and a
/// make-random tiny-llama (seed 1), each as stored and as a quantized mix, at two contexts.
/// </summary>
public sealed class PlannerVersusLedgerTests : IDisposable
{
    private const double RelativeTolerance = 0.03;
    private const long AbsoluteTolerance = 64L << 20;

    private readonly string _tiny = Fixtures.TempDir();

    public PlannerVersusLedgerTests() => RandomCheckpoint.Write(ModelPreset.Get("tiny-llama"), DType.BF16, _tiny, seed: 1);

    public void Dispose() => Directory.Delete(_tiny, recursive: true);

    public static TheoryData<string, string?, int> Cases => new()
    {
        { "brown", null, 256 }, { "brown", null, 1024 }, { "brown", "Q4_K_M", 256 }, { "brown", "Q8_0", 1024 },
        { "tiny", null, 64 }, { "tiny", null, 256 }, { "tiny", "Q4_0", 64 }, { "tiny", "Q8_0", 256 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_cpu_plan_matches_the_ledger_after_loading_and_a_forward_step(string model, string? quant, int context)
    {
        string path = model == "brown" ? Fixtures.BrownModel : _tiny;
        var mix = quant is null ? null : QuantizationMix.Parse(quant);
        var planModel = PlanModel.Resolve(path, mix);
        var plan = MemoryPlanner.Plan(planModel, DeviceMap.OnDevice("cpu", planModel.Config.NumLayers), context, batch: 1, new Dictionary<string, PlanDevice>());
        var cpu = Assert.Single(plan.Devices);

        using var backend = new CpuBackend();
        using var transformer = Transformer.Load(path, backend, mix);
        using var session = transformer.CreateSession(1, context);
        session.Step(Enumerable.Range(1, 8).ToArray());   // prefill
        session.Step([3]);                                  // one decode step
        var ledger = backend.Memory;
        TestContext.Current.TestOutputHelper?.WriteLine($"{model} {quant ?? "as stored"} context {context}: planned weights {cpu.WeightsBytes} KV {cpu.KvCacheBytes} workspace {cpu.WorkspaceBytes}; " +
            $"ledger weights {ledger[MemoryCategory.Weights]} KV {ledger[MemoryCategory.KvCache]} activations {ledger[MemoryCategory.Activations]} other {ledger[MemoryCategory.Other]}");

        AssertClose("weights", cpu.WeightsBytes, ledger[MemoryCategory.Weights]);
        AssertClose("KV cache", cpu.KvCacheBytes, ledger[MemoryCategory.KvCache]);
        AssertClose("workspace", cpu.WorkspaceBytes, ledger[MemoryCategory.Activations] + ledger[MemoryCategory.Other]);
        AssertClose("weights + KV + workspace", cpu.TotalBytes, ledger.Total);
        Assert.Equal(0, cpu.OverheadBytes);
    }

    public static TheoryData<KvCacheType, int> KvCases => new()
    {
        { KvCacheType.Default, 256 }, { KvCacheType.F16, 256 }, { KvCacheType.BF16, 100 }, { KvCacheType.Q8_0, 256 }, { KvCacheType.Q8_0, 1024 },
        { KvCacheType.Q4_0, 256 }, { KvCacheType.Q4_0, 77 }, { KvCacheType.FP8, 256 }, { KvCacheType.FP8, 77 },
    };

    [Theory]
    [MemberData(nameof(KvCases))]
    public void The_cpu_kv_cache_of_each_type_is_planned_to_the_byte_of_the_ledger(KvCacheType kvType, int context)
    {
        var planModel = PlanModel.Resolve(Fixtures.BrownModel, null) with { KvType = kvType };
        var plan = MemoryPlanner.Plan(planModel, DeviceMap.OnDevice("cpu", planModel.Config.NumLayers), context, batch: 2, new Dictionary<string, PlanDevice>());
        var cpu = Assert.Single(plan.Devices);

        using var backend = new CpuBackend();
        using var transformer = Transformer.Load(Fixtures.BrownModel, backend);
        using var session = transformer.CreateSession(2, context, kvType: kvType);
        session.Step([1, 2, 3, 4, 5, 6]);

        Assert.Equal(cpu.KvCacheBytes, backend.Memory[MemoryCategory.KvCache]);
        Assert.Equal(cpu.KvBytesPerToken * 2 * context, cpu.KvCacheBytes);
    }

    [Fact]
    public void Quantized_weights_are_planned_to_the_byte_of_what_the_mix_stores()
    {
        var mix = QuantizationMix.Parse("Q4_K_M");
        using var files = ModelFiles.Open(Fixtures.BrownModel, mix);
        var plan = MemoryPlanner.Plan(PlanModel.Resolve(Fixtures.BrownModel, mix), DeviceMap.OnDevice("cpu", files.Config.NumLayers), 128, 1,
            new Dictionary<string, PlanDevice>());

        Assert.Equal(files.Manifest.WeightBytes, plan.Devices[0].WeightsBytes);
        Assert.Equal(files.Manifest.WeightBytes, PlanModel.Computed(files.Config, mix, TensorFormat.BF16).WeightBytes);
    }

    private static void AssertClose(string what, long planned, long measured)
    {
        long difference = Math.Abs(planned - measured);
        Assert.True(difference <= AbsoluteTolerance && difference <= RelativeTolerance * Math.Max(measured, 1),
            $"{what}: planned {planned} bytes, measured {measured} bytes (difference {difference})");
    }
}
