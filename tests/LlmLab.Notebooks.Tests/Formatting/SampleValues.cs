using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Tests.Formatting;

/// <summary>Values the formatter snapshots render: shaped like the engine's result records.</summary>
internal static class SampleValues
{
    public sealed record DecodeRun(string Model, string Precision, int Batch, double TokensPerSecond, TimeSpan Elapsed, bool FitsInMemory);

    public static DecodeRun[] Runs { get; } =
    [
        new("llama-tiny", "fp32", 1, 1234.56789, TimeSpan.FromMilliseconds(812.5), true),
        new("llama-tiny", "bf16", 8, 8765.4, TimeSpan.FromSeconds(2.25), true),
        new("qwen2 <7B>", "q4_0", 32, 0.000012345, TimeSpan.FromMinutes(3), false),
    ];

    public static Chart Chart { get; } = new ChartBuilder()
        .Title("Decode throughput")
        .XAxis("Batch size")
        .YAxis("Throughput", "tokens/s")
        .Line(new[] { 1, 8, 32 }, new[] { 1234.5, 8765.4, 20000.0 }, "bf16", hoverText: ["b=1", "b=8", "b=32"], markers: true)
        .Scatter(new[] { 1, 8, 32 }, new[] { 1200.0, double.NaN, 19000.0 }, "measured")
        .Build();

    public static Exception Exception()
    {
        try
        {
            throw new InvalidOperationException("Model <llama> needs 17.2 GiB on cuda:0", new IOException("disk full"));
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
