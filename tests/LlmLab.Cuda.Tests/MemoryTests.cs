using LlmLab.Measurement;
using LlmLab.Backends;
using LlmLab.Models;
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
    public void A_kv_type_other_than_the_compute_type_is_refused_in_one_line_before_any_allocation(int device)
    {
        using var gpu = Gpu.Open(device);
        long held = gpu.Memory.Total;
        var e = Assert.Throws<InvalidOptionException>(() => gpu.AllocateKvCache(new KvCacheShape(1, 1, 16, 2, 64, null, KvCacheType.Q8_0)));
        Assert.Equal("--kv-type q8_0 is not built for CUDA yet; use the default or --device cpu", e.Message);
        Assert.Equal(held, gpu.Memory.Total);
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
