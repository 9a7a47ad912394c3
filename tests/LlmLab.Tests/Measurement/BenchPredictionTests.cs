using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Tests.Measurement;

/// <summary>Bench's predicted TTFT beside the measured one: the line it prints, and the figures a CPU run carries (no timing asserted).</summary>
public sealed class BenchPredictionTests
{
    private static BenchResult Result(double? predictedTtftMs) => new()
    {
        Device = "cpu", Model = "m", PromptTokens = 32, NewTokens = 16, Batch = 1, Repetitions = 3, TtftMs = 121.0, PrefillTokensPerSecond = 264.5,
        DecodeTokensPerSecond = 9.0, InterTokenMs = new LatencyPercentiles(110, 112, 115), WeightBytes = 1, BytesPerToken = 1, BandwidthGBps = 20,
        RooflineTokensPerSecond = 10, RooflineFraction = 0.9, PeakMemoryBytes = 1,
        PredictedTtftMs = predictedTtftMs, PredictedPrefillBasis = predictedTtftMs is null ? null : "32 tokens × 1.948 GFLOP at 60.0 GFLOP/s",
    };

    [Fact]
    public void The_bench_text_sets_the_predicted_ttft_beside_the_measured_one_as_a_percentage()
    {
        string text = Result(110.0).Describe();

        Assert.Contains("predicted TTFT 110.0 ms (32 tokens × 1.948 GFLOP at 60.0 GFLOP/s); measured 121.0 ms = 110 % of the prediction", text);
    }

    [Fact]
    public void Without_a_prediction_the_bench_text_has_no_ttft_prediction_line()
    {
        Assert.DoesNotContain("predicted TTFT", Result(null).Describe());
    }

    [Fact]
    public void A_cpu_bench_carries_a_predicted_ttft_and_prefill_rate_in_its_json()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());

        var result = Benchmark.Run(model, new BenchOptions(PromptTokens: 8, NewTokens: 3, Repetitions: 1, Warmup: 0));

        Assert.True(result.PredictedTtftMs > 0);
        Assert.Equal(8 / (result.PredictedTtftMs!.Value / 1e3), result.PredictedPrefillTokensPerSecond!.Value, 9);
        Assert.Contains("matmul probe BF16", result.PredictedPrefillBasis);
        string json = result.ToJson();
        Assert.Contains("\"predictedTtftMs\"", json);
        Assert.Contains("\"predictedPrefillTokensPerSecond\"", json);
    }
}
