using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Notebooks.Formatting;
using LlmLab.Planning;

namespace LlmLab.Notebooks.Tests.Formatting;

/// <summary>
/// A benchmark over a device map, as a notebook shows it: the map, the measured crossings, and each device's share of a
/// decode step. The run is real: the embedded model in F32 over two CPU backends bound to the map's labels cpu and cuda:0.
/// </summary>
public sealed class DeviceMapBenchViewTests
{
    [Fact]
    public void A_split_bench_shows_the_map_the_crossings_and_a_row_per_device()
    {
        var f32 = QuantizationMix.Parse("F32");
        using var a = new CpuBackend();
        using var b = new CpuBackend();
        string path = EmbeddedModel.Resolve(null);
        int layers = ModelSummary.Inspect(path).Config.NumLayers;
        var map = new DeviceMap("cpu", Enumerable.Range(0, layers).Select(l => l < layers / 2 ? "cpu" : "cuda:0").ToArray(), "cuda:0");
        using var split = Transformer.Load(path, map, new Dictionary<string, IBackend> { ["cpu"] = a, ["cuda:0"] = b }, f32);
        var result = Benchmark.Run(split, new BenchOptions(PromptTokens: 8, NewTokens: 4, Repetitions: 1, Warmup: 0));

        var html = FormatterRegistry.CreateDefault().Format(result, MimeTypes.Html)!;
        var text = FormatterRegistry.CreateDefault().Format(result, MimeTypes.PlainText)!;

        foreach (var shown in new[] { html, text })
        {
            Assert.Contains(map.Describe(), shown);
            Assert.Contains("Residual stream crossings", shown);
            Assert.Contains("Each device", shown);
            Assert.Contains("cuda:0", shown);
        }
    }
}
