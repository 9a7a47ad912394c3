using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary><c>--kv-offload none</c> (llama.cpp's -nkvo): the planner moves every layer's KV cache to the CPU, in the CPU backend's fp32.</summary>
public sealed class KvOffloadPlanTests
{
    private static readonly PlanModel Llama8b = PlanModel.Resolve("llama-3.1-8b", null);

    [Fact]
    public void Every_layers_kv_cache_moves_to_the_cpu_in_fp32_and_the_gpu_keeps_its_weights()
    {
        var onGpu = MemoryPlanner.Plan(Llama8b, DeviceMap.OnDevice("cuda:0", 32), 8192, 1, new Dictionary<string, PlanDevice>());
        var offloaded = MemoryPlanner.Plan(Llama8b, DeviceMap.OnDevice("cuda:0", 32) with { KvCacheOnCpu = true }, 8192, 1, new Dictionary<string, PlanDevice>());

        var gpu = offloaded.Devices.Single(d => d.Device == "cuda:0");
        var cpu = offloaded.Devices.Single(d => d.Device == "cpu");
        Assert.Equal(0, gpu.KvCacheBytes);
        Assert.Equal(onGpu.Devices[0].WeightsBytes, gpu.WeightsBytes);
        Assert.Equal(2L * 32 * 1024 * sizeof(float) * 8192, cpu.KvCacheBytes);   // K and V, 32 layers × 8 heads of 128, fp32
        Assert.Equal(0, cpu.WeightsBytes);
        Assert.EndsWith("; KV cache on cpu", offloaded.Map);
    }

    [Fact]
    public void A_split_map_with_kv_offload_puts_all_kv_on_the_cpu_that_also_holds_layers()
    {
        var map = DeviceMap.GpuLayers("cuda:0", 16, 32) with { KvCacheOnCpu = true };

        var plan = MemoryPlanner.Plan(Llama8b, map, 4096, 2, new Dictionary<string, PlanDevice>());

        Assert.Equal(0, plan.Devices.Single(d => d.Device == "cuda:0").KvCacheBytes);
        Assert.Equal(2L * 32 * 1024 * sizeof(float) * 4096 * 2, plan.Devices.Single(d => d.Device == "cpu").KvCacheBytes);
    }
}
