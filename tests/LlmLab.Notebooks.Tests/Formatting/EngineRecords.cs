using LlmLab.Backends;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Notebooks.Tests.Formatting;

/// <summary>
/// Engine records the record formatters render. The model summary is the embedded model's own (its folder made
/// relative so the rendering is the same on every machine); the measurements are figures of a CPU run on the
/// embedded model, fixed here so the rendering is deterministic.
/// </summary>
internal static class EngineRecords
{
    public static ModelSummary BrownSummary { get; } = ModelSummary.Inspect(EmbeddedModel.Resolve(null)) with { Directory = EmbeddedModel.RelativeDirectory };

    private static readonly double[] InterTokenSamples = [1.342, 1.297, 1.402, 1.381, 1.530, 2.421, 1.335, 1.288, 1.311, 1.365, 1.298, 1.702, 1.330, 1.344];

    public static BenchResult Bench { get; } = new()
    {
        Device = "cpu",
        DeviceName = "2 logical cores",
        Model = "brown-llama-7m",
        PromptTokens = 64,
        NewTokens = 8,
        Batch = 1,
        Repetitions = 2,
        TtftMs = 26.83,
        PrefillTokensPerSecond = 2385.3,
        DecodeTokensPerSecond = 702.8,
        InterTokenMs = LatencyPercentiles.Of(InterTokenSamples),
        InterTokenSamplesMs = InterTokenSamples,
        WeightBytes = 12_900_864,
        BytesPerToken = 11_298_816,
        BandwidthGBps = 21.1,
        RooflineTokensPerSecond = 1867.4,
        RooflineFraction = 0.3764,
        PeakMemoryBytes = 148_996_096,
        Memory = new MemoryReport("cpu", 12_900_864, 0, 0, 0, 12_900_864, 12_900_864, 8L << 30, 16L << 30, 8L << 30),
        BatchSweep =
        [
            new BatchPoint(1, 702.8, LatencyPercentiles.Of(InterTokenSamples), 26.83),
            new BatchPoint(4, 1641.2, new LatencyPercentiles(2.311, 2.604, 3.950), 92.9),
        ],
    };

    public static PerplexityResult Perplexity { get; } = new(8, 128, 1016, 4.36286, 78.481, 0.71, "cpu");

    public static GeneratedText Generated { get; } = new("The committee reported that", " it was not quite <unique> & new.", 5, 12, StopReason.MaxTokens, 28.4, 702.5, 44.1, "cpu");

    public static MemoryLedger Ledger()
    {
        var ledger = new MemoryLedger("cpu");
        ledger.Add(MemoryCategory.Weights, 12_900_864);
        ledger.Add(MemoryCategory.KvCache, 3_145_728);
        ledger.Add(MemoryCategory.Activations, 1_048_576);
        ledger.Remove(MemoryCategory.KvCache, 3_145_728);
        ledger.Remove(MemoryCategory.Activations, 1_048_576);
        return ledger;
    }

    public static GpuInventory NoGpu { get; } = new([], "this build has no GPU backend (LlmLab.Cuda is not beside LlmLab), so everything runs on the CPU");
}
