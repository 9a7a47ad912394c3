using LlmLab.Backends.Cpu;
using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Tests.Measurement;

public sealed class BenchmarkTests
{
    [Fact]
    public void Every_timed_inter_token_latency_is_kept_beside_its_percentiles()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());

        var result = Benchmark.Run(model, new BenchOptions(PromptTokens: 8, NewTokens: 5, Repetitions: 2, Warmup: 0));

        var samples = result.InterTokenSamplesMs!;
        Assert.Equal(2 * (5 - 1), samples.Count);
        Assert.All(samples, s => Assert.True(s > 0));
        Assert.Equal(LatencyPercentiles.Of(samples), result.InterTokenMs);
    }
}
