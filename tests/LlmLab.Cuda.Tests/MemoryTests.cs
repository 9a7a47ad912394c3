using LlmLab.Measurement;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>Device memory: the ledger against the plan, and requests beyond the GPU failing before anything is allocated.</summary>
public sealed class MemoryTests
{
    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_plan_larger_than_the_gpu_fails_before_loading_and_allocates_nothing(int device)
    {
        using var gpu = Gpu.Open(device);
        long held = gpu.Memory.Total;
        long total = gpu.Info.TotalMemoryBytes;
        var e = Assert.Throws<OutOfDeviceMemoryException>(() => gpu.CheckFits(new MemoryPlan(total / 2, total, 1 << 30, KvBytesPerToken: 131072)));
        Report.Line($"memory cuda:{device}: {e.Message}");
        Assert.Contains("needs", e.Message);
        Assert.Contains("free", e.Message);
        Assert.Contains("tokens", e.Message); // what would fit
        Assert.Equal(held, gpu.Memory.Total);
        gpu.CheckFits(1 << 20, 1 << 20, 1 << 20); // a small plan passes
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_float_kv_type_other_than_the_compute_type_is_refused_in_one_line_before_any_allocation(int device)
    {
        using var gpu = Gpu.Open(device);
        long held = gpu.Memory.Total;
        var e = Assert.Throws<InvalidOptionException>(() => gpu.AllocateKvCache(new KvCacheShape(1, 1, 16, 2, 64, null, KvCacheType.F32)));
        Assert.Equal("--kv-type f32 stores K and V as F32, but this CUDA backend computes in BF16: use the default (bf16), q8_0, q4_0 or fp8, or --device cpu", e.Message);
        Assert.Equal(held, gpu.Memory.Total);
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_block_kv_type_on_heads_that_are_not_whole_blocks_is_refused_before_any_allocation(int device)
    {
        using var gpu = Gpu.Open(device);
        long held = gpu.Memory.Total;
        var e = Assert.Throws<InvalidOptionException>(() => gpu.AllocateKvCache(new KvCacheShape(1, 1, 16, 2, 16, null, KvCacheType.Q4_0)));
        Assert.Contains("head_dim is 16", e.Message);
        Assert.Equal(held, gpu.Memory.Total);
    }

    public static TheoryData<int, DType, KvCacheType> KvTypes
    {
        get
        {
            var data = new TheoryData<int, DType, KvCacheType>();
            if (Gpu.Ordinals.Length == 0) data.Add(-1, DType.BF16, KvCacheType.Q8_0);
            foreach (int device in Gpu.Ordinals)
                foreach (var type in new[] { DType.F32, DType.BF16 })
                    foreach (var kv in new[] { KvCacheType.Default, KvCacheType.Q8_0, KvCacheType.Q4_0, KvCacheType.FP8 })
                        data.Add(device, type, kv);
            return data;
        }
    }

    [Theory, MemberData(nameof(KvTypes))]
    public void The_planner_sizes_the_gpu_kv_cache_of_each_type_to_the_byte_of_the_ledger(int device, DType type, KvCacheType kvType)
    {
        // The embedded Brown model (head_dim 32: one Q8_0/Q4_0 block per head), batch 2, at a context that is no round number.
        const int context = 77, batch = 2;
        using var gpu = Gpu.Open(device, type);
        var model = PlanModel.Resolve(Fixtures.BrownModel, null) with { KvType = kvType };
        var plan = MemoryPlanner.Plan(model, DeviceMap.OnDevice($"cuda:{device}", model.Config.NumLayers), context, batch,
            new Dictionary<string, PlanDevice>(), type);
        var planned = plan.Devices.Single(d => d.Device == $"cuda:{device}");
        using var transformer = Transformer.Load(Fixtures.BrownModel, gpu);
        using var session = transformer.CreateSession(batch, context, kvType: kvType);
        session.Step(Enumerable.Range(1, 2 * 6).ToArray());
        gpu.Synchronize();
        Report.Line($"memory cuda:{device} {type} kv {kvType.Name()}: planned KV {planned.KvCacheBytes} ({planned.KvBytesPerToken} per token), ledger {gpu.Memory[MemoryCategory.KvCache]}");
        Assert.Equal(planned.KvCacheBytes, gpu.Memory[MemoryCategory.KvCache]);
        Assert.Equal(planned.KvBytesPerToken * batch * context, planned.KvCacheBytes);
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_kv_cache_larger_than_the_gpu_is_refused_before_any_allocation(int device)
    {
        using var gpu = Gpu.Open(device);
        long held = gpu.Memory.Total;
        var e = Assert.Throws<OutOfDeviceMemoryException>(() => gpu.AllocateKvCache(new KvCacheShape(80, 64, 131072, 8, 128)));
        Assert.Contains("would fit", e.Message);
        Assert.Equal(held, gpu.Memory.Total);
    }

    [Theory, MemberData(nameof(Gpu.DevicesAndTypes), MemberType = typeof(Gpu))]
    public void The_ledger_matches_the_plan_for_weights_and_cache_and_stays_within_it(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        var plan = gpu.Plan(ModelConfigReader.Read(Fixtures.Model("llama-tiny-bf16")).Shape, batch: 2, maxSequence: 128, maxTokensPerStep: 64);
        gpu.CheckFits(plan);
        using var model = Transformer.Load(Fixtures.Model("llama-tiny-bf16"), gpu);
        using var session = model.CreateSession(2, 128, 64);
        session.Step(Enumerable.Range(1, 2 * 100).ToArray());
        session.Step([5, 6]);
        gpu.Synchronize();
        var report = gpu.MemoryReport();
        Report.Line($"memory cuda:{device} {type}: plan weights {plan.WeightBytes} kv {plan.KvCacheBytes} workspace {plan.WorkspaceBytes}; " +
                    $"held weights {report.WeightBytes} kv {report.KvCacheBytes} activations {report.ActivationBytes} other {report.OtherBytes} peak {report.PeakBytes}; driver used since start {report.DriverUsedSinceStartBytes}");
        Assert.Equal(plan.WeightBytes, report.WeightBytes);
        Assert.Equal(model.Weights.Bytes, report.WeightBytes);
        Assert.Equal(plan.KvCacheBytes, report.KvCacheBytes);
        Assert.True(report.PeakBytes <= plan.TotalBytes, $"peak {report.PeakBytes} above the plan's {plan.TotalBytes}");
    }
}
