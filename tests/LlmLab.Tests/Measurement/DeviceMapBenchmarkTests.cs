using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Tests.Measurement;

/// <summary>
/// The benchmark over a device map (two CPU backends bound to the map's labels <c>cpu</c> and <c>cuda:0</c>; the model
/// in F32 so the planner's GPU sizing rule, which the second label gets, counts the bytes the CPU backend holds): each
/// device's share, the crossings, and the bound they add up to.
/// </summary>
public sealed class DeviceMapBenchmarkTests
{
    [Fact]
    public void A_split_run_reports_each_device_the_crossings_and_the_bound_they_add_up_to()
    {
        var f32 = QuantizationMix.Parse("F32");
        using var one = Transformer.Load(Fixtures.BrownModel, new CpuBackend(), f32);
        int layers = one.Config.NumLayers;
        using var a = new CpuBackend();
        using var b = new CpuBackend();
        var map = new DeviceMap("cpu", Enumerable.Range(0, layers).Select(l => l < layers / 2 ? "cpu" : "cuda:0").ToArray(), "cuda:0");
        using var split = Transformer.Load(Fixtures.BrownModel, map, new Dictionary<string, IBackend> { ["cpu"] = a, ["cuda:0"] = b }, f32);
        var options = new BenchOptions(PromptTokens: 8, NewTokens: 6, Repetitions: 2, Warmup: 0);

        var result = Benchmark.Run(split, options);

        Assert.Equal(map.Describe(), result.DeviceMap);
        Assert.Equal("cpu + cuda:0", result.Device);
        var devices = result.Devices!;
        Assert.Equal(["cpu", "cuda:0"], devices.Select(d => d.Device));
        Assert.Equal(Benchmark.BytesPerToken(one, options.PromptTokens + options.NewTokens / 2), result.BytesPerToken);
        Assert.Equal(result.BytesPerToken, devices.Sum(d => d.BytesPerToken));
        Assert.Equal(1, result.CrossingsPerToken);
        Assert.True(result.CrossingMs > 0, "the crossings are timed");
        Assert.Equal((long)split.Config.HiddenSize * sizeof(float), result.CrossingBytes);
        double boundMs = devices.Sum(d => d.BoundMsPerToken) + result.CrossingMs!.Value;
        Assert.Equal(1e3 / boundMs, result.RooflineTokensPerSecond, 9);
        Assert.Equal(result.DecodeTokensPerSecond / result.RooflineTokensPerSecond, result.RooflineFraction, 9);
        // Each device's ledger, read while the session was alive, as the planner sized it.
        Assert.Equal(a.Memory[MemoryCategory.Weights], devices[0].Memory!.WeightBytes);
        Assert.Equal(b.Memory[MemoryCategory.Weights], devices[1].Memory!.WeightBytes);
        Assert.All(devices, d => Assert.Equal(d.Planned.KvCacheBytes, d.Memory!.KvCacheBytes));
        Assert.Contains("residual stream crossings: 1 per token", result.Describe());
    }

    [Fact]
    public void With_every_kv_cache_on_the_cpu_the_bench_counts_the_cpu_and_four_crossings_per_layer_elsewhere()
    {
        var f32 = QuantizationMix.Parse("F32");
        using var one = Transformer.Load(Fixtures.BrownModel, new CpuBackend(), f32);
        int layers = one.Config.NumLayers;
        using var a = new CpuBackend();
        using var b = new CpuBackend();
        var map = DeviceMap.OnDevice("cuda:0", layers) with { KvCacheOnCpu = true };
        using var split = Transformer.Load(Fixtures.BrownModel, map, new Dictionary<string, IBackend> { ["cpu"] = a, ["cuda:0"] = b }, f32);
        var options = new BenchOptions(PromptTokens: 8, NewTokens: 6, Repetitions: 2, Warmup: 0);

        var result = Benchmark.Run(split, options);

        var devices = result.Devices!;
        Assert.Equal(["cuda:0", "cpu"], devices.Select(d => d.Device));
        Assert.Equal(Benchmark.BytesPerToken(one, options.PromptTokens + options.NewTokens / 2), result.BytesPerToken);
        // Every KV byte is planned for and held by the CPU (the ledgers were read while the session was alive).
        Assert.Equal(0, devices[0].Planned.KvCacheBytes);
        Assert.Equal(0, devices[0].Memory!.KvCacheBytes);
        Assert.True(devices[1].Planned.KvCacheBytes > 0);
        Assert.Equal(devices[1].Planned.KvCacheBytes, devices[1].Memory!.KvCacheBytes);
        Assert.Equal(4 * layers, result.CrossingsPerToken);
        // q and the attention output are [1, heads·headDim], k and v [1, kvHeads·headDim], in fp32.
        var c = split.Config;
        Assert.Equal((2L * c.QueryDim + 2L * c.KvDim) * sizeof(float) / 4, result.CrossingBytes);
        Assert.Contains($"crossings (residual stream; q, k, v and attention output): {4 * layers} per token", result.Describe());
    }
}
