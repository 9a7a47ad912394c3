using LlmLab.Measurement;
using LlmLab.Notebooks.Charts;
using static LlmLab.Notebooks.Formatting.Records.Quantities;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>
/// Lays out a <see cref="ModelSummary"/>: the architecture, parameters and weight bytes, then the weights by tensor
/// group as a table and a bar chart (where the memory of a model goes before any KV cache or activation).
/// </summary>
internal static class ModelSummaryView
{
    /// <summary>Context used to state the KV cache of a long conversation, in tokens.</summary>
    private const int KvExampleTokens = 4096;

    /// <summary>Height of the bar chart: a handful of groups.</summary>
    private const int ChartHeight = 320;

    /// <summary>One row of the tensor-group table.</summary>
    private sealed record GroupRow(string Group, int Tensors, long Parameters, double MiB, double Percent);

    public static RecordView Of(ModelSummary summary)
    {
        var c = summary.Config;
        var rope = Invariant($"{c.Rope.Type}, θ = {c.Rope.Theta}") + (c.Rope.Type == "llama3" ? Invariant($", factor {c.Rope.Factor}") : "");
        var dtypes = string.Join(", ", summary.BytesByDType.Select(kv => $"{kv.Key} {Bytes(kv.Value)}"));
        var facts = new List<Fact>
        {
            new("Architecture", Invariant($"{c.NumLayers} layers, hidden {c.HiddenSize}, MLP {c.IntermediateSize}, {c.NumHeads} heads / {c.NumKvHeads} KV heads × {c.HeadDim}")),
            new("Vocabulary and context", Invariant($"{Count(c.VocabSize)} tokens, {Count(c.MaxPositionEmbeddings)} positions")),
            new("Position encoding", $"RoPE {rope}"),
            new("Variants", Invariant($"tied output head {YesNo(c.TieWordEmbeddings)}, qkv bias {YesNo(c.QkvBias)}, q/k norm {YesNo(c.QkNorm)}")),
            new("Parameters", $"{Count(summary.ParameterCount)} ({Parameters(summary.ParameterCount)})"),
            new("Weights", Invariant($"{Bytes(summary.WeightBytes)} in {summary.Files} file{(summary.Files == 1 ? "" : "s")} ({dtypes})")),
            new("KV cache per token", Invariant($"{Count(summary.KvCacheBytesPerToken16)} B at 16-bit, {Count(summary.KvCacheBytesPerToken32)} B at fp32; {Bytes(summary.KvCacheBytesPerToken16 * KvExampleTokens)} for {KvExampleTokens} tokens at 16-bit")),
            new("Folder", summary.Directory),
        };
        var total = Math.Max(1, summary.WeightBytes);
        var rows = summary.Groups.Select(g => new GroupRow(g.Group, g.Tensors, g.Parameters, Mebibytes(g.Bytes), Math.Round(100.0 * g.Bytes / total, 1))).ToArray();
        var chart = new ChartBuilder()
            .Title("Weights by tensor group")
            .XAxis("Tensor group")
            .YAxis("Weights", "MiB")
            .Height(ChartHeight)
            .Bar(rows.Select(r => r.Group), rows.Select(r => r.MiB), "weights",
                hoverText: summary.Groups.Select(g => Invariant($"{g.Group}: {Bytes(g.Bytes)}, {g.Tensors} tensor{(g.Tensors == 1 ? "" : "s")}, {Count(g.Parameters)} parameters")))
            .Build();
        var title = $"{Path.GetFileName(summary.Directory.TrimEnd('/', '\\'))} · {summary.ModelType} · {Parameters(summary.ParameterCount)} parameters · {Bytes(summary.WeightBytes)} of weights";
        return new RecordView(title, [new FactsBlock(facts), new TableBlock("Weights by tensor group", rows), new ChartBlock(chart)]);
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
