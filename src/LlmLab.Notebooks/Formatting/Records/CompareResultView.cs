using LlmLab.Evaluation;
using LlmLab.Notebooks.Charts;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>
/// Lays out a <see cref="CompareResult"/>: the headline figures of <c>llama-perplexity --kl-divergence</c> (both
/// perplexities and their log ratio, mean KLD, same top, Δp) with their errors, a table of the KLD and Δp percentiles,
/// and a chart of each distribution by percentile.
/// </summary>
internal static class CompareResultView
{
    /// <summary>Height of each chart: two fit on a screen beside the figures.</summary>
    private const int ChartHeight = 340;

    /// <summary>One row of the percentile table; llama-perplexity reports no 75th or 25th KLD percentile, so those cells are empty.</summary>
    private sealed record PercentileRow(string Percentile, string KldNats, [property: System.ComponentModel.DisplayName("Δp")] string DeltaP);

    public static RecordView Of(CompareResult r)
    {
        var title = Invariant($"KL divergence {Figure(r.Kld.Mean)} ± {Figure(r.Kld.MeanError)} nats: {Name(r.Model.Path)} against {Name(r.Base.Path)}");
        int first = r.Ctx / 2;
        var facts = new[]
        {
            new Fact("Perplexity", Invariant($"{Figure(r.Model.Perplexity)} ± {Figure(r.Model.PerplexityError)} (base {Figure(r.Base.Perplexity)} ± {Figure(r.Base.PerplexityError)})")),
            new Fact("ln(PPL / PPL base)", Invariant($"{Figure(r.LnPerplexityRatio)} ± {Figure(r.LnPerplexityRatioError)} (ratio {Figure(r.PerplexityRatio)})")),
            new Fact("Log-prob correlation", r.LogProbCorrelation is { } c ? Percent(c) : "n/a (no spread over 10 tokens or fewer)"),
            new Fact("Same top token", Invariant($"{Percent(r.SameTopFraction)} ± {Percent(r.SameTopError)}")),
            new Fact("Δp of the correct token", Invariant($"mean {Signed(r.DeltaP.Mean)} ± {Signed(r.DeltaP.MeanError)}, RMS {Signed(r.DeltaP.Rms)} ± {Signed(r.DeltaP.RmsError)}")),
            new Fact("Tokens scored", Invariant($"{Count(r.Tokens)}: {r.Chunks} chunks of {r.Ctx} tokens of {r.Text}, positions {first}..{r.Ctx - 2} of each{(r.BosTokenId is { } bos ? $" (token 0 replaced by BOS {bos})" : "")}")),
            new Fact("Models", Invariant($"{r.Model.Path} on {r.Model.Device}; base {r.Base.Path} on {r.Base.Device}")),
            new Fact("Time", Invariant($"{r.Seconds:F2} s")),
        };
        var k = r.Kld;
        var d = r.DeltaP;
        PercentileRow[] rows =
        [
            new("max", Figure(k.Max), Signed(d.Max)),
            new("99.9 %", Figure(k.P999), Signed(d.P999)),
            new("99 %", Figure(k.P99), Signed(d.P99)),
            new("95 %", Figure(k.P95), Signed(d.P95)),
            new("90 %", Figure(k.P90), Signed(d.P90)),
            new("75 %", "", Signed(d.P75)),
            new("median", Figure(k.Median), Signed(d.Median)),
            new("25 %", "", Signed(d.P25)),
            new("10 %", Figure(k.P10), Signed(d.P10)),
            new("5 %", Figure(k.P5), Signed(d.P5)),
            new("1 %", Figure(k.P1), Signed(d.P1)),
            new("0.1 %", Figure(k.P001), Signed(d.P001)),
            new("min", Figure(k.Min), Signed(d.Min)),
        ];
        return new RecordView(title, [new FactsBlock(facts), new TableBlock("Percentiles over the scored tokens (Δp in percentage points)", rows), new ChartBlock(KldChart(r)), new ChartBlock(DeltaPChart(r))]);
    }

    /// <summary>
    /// KLD by percentile, one bar each from the smallest to the largest: the tail (99.9 %, max) is what separates
    /// quantizations. The axis is logarithmic when every value is positive, as KLDs span orders of magnitude.
    /// </summary>
    private static Chart KldChart(CompareResult r)
    {
        var k = r.Kld;
        string[] ranks = ["min", "0.1 %", "1 %", "5 %", "10 %", "median", "90 %", "95 %", "99 %", "99.9 %", "max"];
        double[] values = [k.Min, k.P001, k.P1, k.P5, k.P10, k.Median, k.P90, k.P95, k.P99, k.P999, k.Max];
        return new ChartBuilder()
            .Title(Invariant($"KL divergence by percentile, {Count(r.Tokens)} tokens"))
            .XAxis("Percentile")
            .YAxis("KL(base ‖ model)", "nats", logarithmic: values.All(v => v > 0))
            .Height(ChartHeight)
            .Bar(ranks, values, "KLD", hoverText: ranks.Zip(values, (p, v) => $"{p}: {Figure(v)} nats"))
            .Build();
    }

    private static Chart DeltaPChart(CompareResult r)
    {
        var d = r.DeltaP;
        string[] ranks = ["min", "0.1 %", "1 %", "5 %", "10 %", "25 %", "median", "75 %", "90 %", "95 %", "99 %", "99.9 %", "max"];
        double[] values = [d.Min, d.P001, d.P1, d.P5, d.P10, d.P25, d.Median, d.P75, d.P90, d.P95, d.P99, d.P999, d.Max];
        return new ChartBuilder()
            .Title("Δp = p(model) − p(base) of the correct token, by percentile")
            .XAxis("Percentile")
            .YAxis("Δp", "percentage points")
            .Height(ChartHeight)
            .Bar(ranks, values.Select(v => 100 * v), "Δp", hoverText: ranks.Zip(values, (p, v) => $"{p}: {Signed(v)}"))
            .Build();
    }

    /// <summary>Five significant digits: KLDs run from 1e-13 (a float copy) to 1 nat (a broken quantization).</summary>
    private static string Figure(double value) => Invariant($"{value:G5}");

    /// <summary>A probability difference in percentage points, five significant digits.</summary>
    private static string Signed(double fraction) => Invariant($"{100 * fraction:G5} pp");

    private static string Name(string path) => Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) is { Length: > 0 } name ? name : path;
}
