using LlmLab.Measurement;
using LlmLab.Notebooks.Charts;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>
/// Lays out a <see cref="BenchResult"/>: the figures with their arithmetic (TTFT, prefill and decode tokens/s,
/// inter-token percentiles, bytes per token, the roofline), a throughput chart with the roofline bound, the
/// histogram of inter-token latencies with p50/p90/p99 marked, and the batch sweep when there is one.
/// </summary>
internal static class BenchResultView
{
    /// <summary>Height of each chart: three fit on a screen beside the figures.</summary>
    private const int ChartHeight = 340;

    /// <summary>Histogram bins asked of Plotly: enough to show a tail over a few hundred samples.</summary>
    private const int LatencyBins = 40;

    /// <summary>One row of the device-map table: a device's share of a decode step.</summary>
    private sealed record DeviceRow(string Device, int Layers, double ReadsMB, double BandwidthGBps, double BoundMs, string Held);

    /// <summary>One row of the batch-sweep table.</summary>
    private sealed record SweepRow(int Batch, double TokensPerSecond, double TtftMs, double InterTokenP50Ms, double InterTokenP99Ms);

    public static RecordView Of(BenchResult r)
    {
        var device = r.DeviceName is null ? r.Device : $"{r.Device} ({r.DeviceName})";
        var title = Invariant($"{r.Model} on {device}: batch {r.Batch}, prompt {r.PromptTokens} + {r.NewTokens} new tokens, {r.Repetitions} repetitions");
        var facts = new List<Fact>
        {
            new("Time to first token", Invariant($"{Ms(r.TtftMs)} (prefill of {r.PromptTokens} tokens and the first token; median)")),
            new("Prefill", TokensPerSecond(r.PrefillTokensPerSecond)),
            new("Decode", TokensPerSecond(r.DecodeTokensPerSecond) + (r.Batch > 1 ? " per sequence" : "")),
            new("Inter-token latency", $"p50 {Ms(r.InterTokenMs.P50)} · p90 {Ms(r.InterTokenMs.P90)} · p99 {Ms(r.InterTokenMs.P99)}"),
            new("Bytes read per token", Invariant($"{r.BytesPerToken / 1e6:F2} MB (weights held: {r.WeightBytes / 1e6:F2} MB)")),
            new("Copy bandwidth", Invariant($"{r.BandwidthGBps:F1} GB/s, measured in this run")),
            new("Decode roofline", Invariant($"{r.BandwidthGBps:F1} GB/s ÷ {r.BytesPerToken / 1e6:F2} MB = {r.RooflineTokensPerSecond:F1} tok/s; achieved {Percent(r.RooflineFraction)}")),
            new("Peak memory held", Invariant($"{Bytes(r.PeakMemoryBytes)} on {r.Device} (weights, KV cache, activations)")),
        };
        if (r.AverageWatts is { } watts) facts.Add(new("Power", Invariant($"{watts:F1} W average during decode; {r.TokensPerJoule:F2} tokens/J")));
        if (r.DeviceMap is { } map)
        {
            facts.Add(new("Device map", map));
            if (r.CrossingMs is { } crossing)
                facts.Add(new("Residual stream crossings", Invariant($"{r.CrossingsPerToken} per token × {crossing * 1e3:F1} µs ({Bytes(r.CrossingBytes ?? 0)} each), measured")));
        }

        var blocks = new List<ViewBlock> { new FactsBlock(facts) };
        if (r.Devices is { } devices)
            blocks.Add(new TableBlock("Each device's share of a decode step (the bound sums the times and the crossings)", devices.Select(d =>
                new DeviceRow(d.DeviceName is null ? d.Device : $"{d.Device} ({d.DeviceName})", d.Planned.Layers, Math.Round(d.BytesPerToken / 1e6, 2),
                    Math.Round(d.BandwidthGBps, 1), Math.Round(d.BoundMsPerToken, 3), Bytes(d.Memory?.TotalBytes ?? d.PeakMemoryBytes))).ToArray()));
        blocks.Add(new ChartBlock(Throughput(r)));
        if (r.InterTokenSamplesMs is { Count: > 0 } samples) blocks.Add(new ChartBlock(Latencies(r, samples)));
        if (r.BatchSweep is { Count: > 1 } sweep)
        {
            var rows = sweep.Select(p => new SweepRow(p.Batch, Math.Round(p.AggregateTokensPerSecond, 1), Math.Round(p.TtftMs, 2),
                Math.Round(p.InterTokenMs.P50, 3), Math.Round(p.InterTokenMs.P99, 3))).ToArray();
            blocks.Add(new TableBlock("Batch sweep (tokens/s summed over the batch)", rows));
            blocks.Add(new ChartBlock(Sweep(rows)));
        }

        return new RecordView(title, blocks);
    }

    private static Chart Throughput(BenchResult r)
    {
        string[] bars = ["prefill", "decode", "decode roofline"];
        double[] rates = [r.PrefillTokensPerSecond, r.DecodeTokensPerSecond, r.RooflineTokensPerSecond];
        string[] hover =
        [
            Invariant($"{r.PromptTokens} prompt tokens in one pass: {r.PrefillTokensPerSecond:F1} tok/s"),
            Invariant($"one token per step: {r.DecodeTokensPerSecond:F1} tok/s"),
            Invariant($"bandwidth ÷ bytes per token: {r.RooflineTokensPerSecond:F1} tok/s"),
        ];
        return new ChartBuilder()
            .Title(Invariant($"Throughput, batch {r.Batch}"))
            .XAxis("Phase")
            .YAxis("Throughput", "tokens/s")
            .Height(ChartHeight)
            .Bar(bars, rates.Select(v => Math.Round(v, 1)), "tokens/s", hoverText: hover)
            .Build();
    }

    private static Chart Latencies(BenchResult r, IReadOnlyList<double> samples) =>
        new ChartBuilder()
            .Title(Invariant($"Inter-token latency, {samples.Count} decode steps"))
            .XAxis("Latency", "ms")
            .YAxis("Decode steps")
            .Height(ChartHeight)
            .Histogram(samples.Select(s => Math.Round(s, 4)), "decode steps", LatencyBins)
            .MarkerLine(r.InterTokenMs.P50, Invariant($"p50 {r.InterTokenMs.P50:F2} ms"))
            .MarkerLine(r.InterTokenMs.P90, Invariant($"p90 {r.InterTokenMs.P90:F2} ms"))
            .MarkerLine(r.InterTokenMs.P99, Invariant($"p99 {r.InterTokenMs.P99:F2} ms"))
            .Build();

    /// <summary>Bars, one per batch size: the sweep's batch sizes are categories (1, 4, 16), not points on a line.</summary>
    private static Chart Sweep(IReadOnlyList<SweepRow> rows) =>
        new ChartBuilder()
            .Title("Decode throughput by batch size")
            .XAxis("Sequences decoded together")
            .YAxis("Throughput, all sequences", "tokens/s")
            .Height(ChartHeight)
            .Bar(rows.Select(p => Invariant($"batch {p.Batch}")), rows.Select(p => p.TokensPerSecond), "tokens/s",
                hoverText: rows.Select(p => Invariant($"batch {p.Batch}: {p.TokensPerSecond:F1} tok/s, ITL p50 {p.InterTokenP50Ms:F2} ms, p99 {p.InterTokenP99Ms:F2} ms")))
            .Build();
}
