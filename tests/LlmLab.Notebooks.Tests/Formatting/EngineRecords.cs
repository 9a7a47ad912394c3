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

    /// <summary>
    /// <c>llmlab compare --base data/models/brown-llama-7m --model F16COPY --text data/text/brown-heldout.txt --ctx 128
    /// --chunks 20 --json</c> on the CPU, where F16COPY holds the embedded model's weights rounded to F16 (the copy
    /// tests/LlmLab.Tests/Evaluation/ModelCopies.cs writes): its figures, the copy's folder named by a relative path.
    /// </summary>
    public static CompareResult Compare { get; } = new()
    {
        Ctx = 128,
        Chunks = 20,
        Tokens = 1260,
        Text = "data/text/brown-heldout.txt",
        TextTokens = 49907,
        Base = new ComparedModel { Path = "data/models/brown-llama-7m", Device = "cpu", MeanNll = 4.467101120805488, MeanNllError = 0.08703378248562667, Perplexity = 87.10385312331096, PerplexityError = 7.580977806394219 },
        Model = new ComparedModel { Path = "brown-llama-7m-f16", Device = "cpu", MeanNll = 4.467101113624168, MeanNllError = 0.087033782305458, Perplexity = 87.10385249779036, PerplexityError = 7.58097773625941 },
        LnPerplexityRatio = -7.1813195390291185E-09,
        LnPerplexityRatioError = 1.686696920196976E-08,
        PerplexityRatio = 0.9999999928186805,
        PerplexityRatioError = 1.6866969080842666E-08,
        PerplexityDifference = -6.255205988736634E-07,
        PerplexityDifferenceError = 1.4648682746225009E-06,
        LogProbCorrelation = 0.9999999999999813,
        Kld = new KldStatistics
        {
            Mean = 1.243734749647551E-13, MeanError = 2.9766664414540976E-15, Max = 1.2522981232128552E-12, P999 = 7.234306744947094E-13, P99 = 4.939408874018362E-13,
            P95 = 3.3652944838613394E-13, P90 = 2.4685762712947103E-13, Median = 9.567770510032592E-14, P10 = 3.642058479785261E-14, P5 = 2.842838418915103E-14,
            P1 = 1.2483123801127137E-14, P001 = 2.3319459138585315E-17, Min = -2.6842098271468703E-15,
        },
        SameTopFraction = 1,
        SameTopError = 0,
        DeltaP = new DeltaPStatistics
        {
            Mean = -2.05811485513345E-09, MeanError = 2.2412393594085763E-09, Rms = 7.955115683794351E-08, RmsError = 4.228428721643879E-09, Max = 4.638662651768044E-07,
            P999 = 4.5582304131769313E-07, P99 = 2.604497317884625E-07, P95 = 1.0165486433177906E-07, P90 = 4.571914636042346E-08, P75 = 4.270920785000992E-09,
            Median = 3.875369534826756E-13, P25 = -4.001430417913121E-09, P10 = -5.0771926560222445E-08, P5 = -1.2816255550440747E-07, P1 = -2.839760182724027E-07,
            P001 = -4.6030824893658616E-07, Min = -5.199447665749091E-07,
        },
        Seconds = 17.99,
    };

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
