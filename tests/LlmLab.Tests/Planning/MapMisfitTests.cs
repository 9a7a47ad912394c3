using LlmLab.Backends;
using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>A map that cannot fit is refused before loading: one line naming the device, what it needs and has free, and a map that fits.</summary>
public sealed class MapMisfitTests
{
    private static readonly PlanModel Llama8b = PlanModel.Resolve("llama-3.1-8b", null);

    private static readonly Dictionary<string, PlanDevice> TwoRtx3060 = new()
    {
        ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", GpuCatalog.Get("rtx-3060")),
        ["cuda:1"] = PlanDevice.ForCatalogGpu("cuda:1", GpuCatalog.Get("rtx-3060")),
        ["cpu"] = new PlanDevice("cpu", "test host", 256L << 30, 256L << 30, null, 1, "a 256 GiB host"),
    };

    private static readonly DeviceMap HalfAndHalf = DeviceMap.ParseJson(
        """{"embed": "cuda:0", "layers.0-15": "cuda:0", "layers.16-31": "cuda:1", "norm": "cuda:1", "head": "cuda:1"}""", "map.json", 32, 2);

    [Fact]
    public void A_two_gpu_map_that_cannot_fit_names_the_device_and_the_auto_map_that_fits()
    {
        const int Context = 65536;   // 4 GiB of bf16 K and V per GPU: 7.48 GiB of weights + 4 GiB + overhead > 12 GiB

        var e = Assert.Throws<OutOfDeviceMemoryException>(() => MemoryPlanner.CheckFits(Llama8b, HalfAndHalf, Context, 1, TwoRtx3060));

        var fitting = AutoDeviceMap.Infer(Llama8b, DeviceMapStrategy.Auto, new Dictionary<string, long> { ["cuda:0"] = 12L << 30, ["cuda:1"] = 12L << 30 }, Context, 1);
        Assert.StartsWith("cuda:0 (RTX 3060 12GB): needs ", e.Message);
        Assert.Contains("12.00 GiB free of 12.00 GiB: fits with --device-map auto (" + fitting.Describe() + ")", e.Message);
        Assert.True(MemoryPlanner.Plan(Llama8b, fitting, Context, 1, TwoRtx3060).Fits);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_map_that_fits_is_returned_as_its_plan()
    {
        var plan = MemoryPlanner.CheckFits(Llama8b, HalfAndHalf, 4096, 1, TwoRtx3060);

        Assert.True(plan.Fits);
        Assert.Equal(["cuda:0", "cuda:1"], plan.Devices.Select(d => d.Device));
    }
}
