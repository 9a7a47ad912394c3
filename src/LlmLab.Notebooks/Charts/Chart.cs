namespace LlmLab.Notebooks.Charts;

/// <summary>
/// A Plotly figure: traces plus layout. Built with <see cref="ChartBuilder"/>; displayed in a notebook as
/// <c>application/vnd.plotly.v1+json</c> and <c>text/html</c> by the chart formatters.
/// </summary>
/// <param name="Traces">The series, drawn in order.</param>
public sealed record Chart(IReadOnlyList<ChartTrace> Traces)
{
    /// <summary>Chart title; null for none.</summary>
    public string? Title { get; init; }

    /// <summary>Horizontal axis.</summary>
    public ChartAxis XAxis { get; init; } = new();

    /// <summary>Vertical axis.</summary>
    public ChartAxis YAxis { get; init; } = new();

    /// <summary>How bar traces share an x value.</summary>
    public ChartBarMode BarMode { get; init; } = ChartBarMode.Grouped;

    /// <summary>Dashed vertical lines drawn over the traces (Plotly layout shapes), e.g. percentiles.</summary>
    public IReadOnlyList<ChartMarkerLine> MarkerLines { get; init; } = [];

    /// <summary>Height in CSS pixels.</summary>
    public int Height { get; init; } = ChartBuilder.DefaultHeight;

    /// <summary>The figure as Plotly JSON: <c>{"data": [...], "layout": {...}}</c>.</summary>
    public string ToPlotlyJson() => PlotlyJsonWriter.Write(this);
}
