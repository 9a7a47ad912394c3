using System.Text.RegularExpressions;
using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>The advice of a plan that does not fit is computed: each option it names fits when planned, and the next step past it does not.</summary>
public sealed partial class PlanAdviceTests
{
    private static readonly Dictionary<string, PlanDevice> Rtx4090 = new()
    {
        ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", GpuCatalog.Get("rtx-4090")),
        ["cpu"] = new PlanDevice("cpu", "test host", 256L << 30, 256L << 30, null, 1, "a 256 GiB host"),
    };

    [Fact]
    public void Each_option_the_advice_names_fits_and_one_step_further_does_not()
    {
        var model = PlanModel.Resolve("llama-3.1-8b", null);
        var map = DeviceMap.OnDevice("cuda:0", 32);
        const int context = 131072;
        Assert.False(MemoryPlanner.Plan(model, map, context, 1, Rtx4090).Fits);

        string advice = MemoryPlanner.Advice(model, map, context, 1, Rtx4090);

        var m = AdviceText().Match(advice);
        Assert.True(m.Success, advice);
        int layers = int.Parse(m.Groups["layers"].Value), shorter = int.Parse(m.Groups["context"].Value);
        bool Fits(PlanModel pm, DeviceMap dm, int c) => MemoryPlanner.Plan(pm, dm, c, 1, Rtx4090).Fits;
        Assert.True(Fits(model, DeviceMap.GpuLayers("cuda:0", layers, 32), context));
        Assert.False(Fits(model, DeviceMap.GpuLayers("cuda:0", layers + 1, 32), context));
        var quantized = PlanModel.Resolve("llama-3.1-8b", QuantizationMix.Parse(m.Groups["quant"].Value));
        Assert.True(Fits(quantized, map, context));
        Assert.False(Fits(PlanModel.Resolve("llama-3.1-8b", QuantizationMix.Parse("Q8_0")), map, context)); // the next larger mix tried
        Assert.True(Fits(model, map, shorter));
        Assert.False(Fits(model, map, shorter + 1));
    }

    [GeneratedRegex(@"^fits with --n-gpu-layers (?<layers>\d+), or --quant (?<quant>\w+), or --context (?<context>\d+)$")]
    private static partial Regex AdviceText();
}
