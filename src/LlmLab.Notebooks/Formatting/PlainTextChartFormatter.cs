using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Describes a <see cref="Chart"/> in one line of text for front ends that cannot draw it, e.g.
/// <c>Chart "Decode" — line 'fp16' (5 points), histogram (100 values); x: Batch size; y: Throughput (tokens/s)</c>.
/// </summary>
public sealed class PlainTextChartFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlainText;

    /// <inheritdoc/>
    public Type ValueType => typeof(Chart);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is Chart;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        var chart = (Chart)value;
        var traces = chart.Traces.Select(t =>
        {
            var kind = t.Kind.ToString().ToLowerInvariant();
            var name = t.Name is null ? "" : $" '{t.Name}'";
            var count = t.Kind == ChartTraceKind.Histogram ? $"{t.Count} values" : $"{t.Count} points";
            return $"{kind}{name} ({count})";
        });
        writer.Write(chart.Title is null ? "Chart" : $"Chart \"{chart.Title}\"");
        writer.Write(" — ");
        writer.Write(chart.Traces.Count == 0 ? "no traces" : string.Join(", ", traces));
        if (chart.XAxis.Label is { } x) writer.Write($"; x: {x}");
        if (chart.YAxis.Label is { } y) writer.Write($"; y: {y}");
        if (chart.MarkerLines.Count > 0)
            writer.Write("; lines at " + string.Join(", ", chart.MarkerLines.Select(l => l.Label ?? InvariantText.Number(l.X))));
    }
}
