namespace LlmLab.Notebooks.Charts;

/// <summary>How a trace draws its values.</summary>
public enum ChartTraceKind
{
    /// <summary>Points joined by lines (Plotly <c>scatter</c>, mode <c>lines</c> or <c>lines+markers</c>).</summary>
    Line,
    /// <summary>Unjoined markers (Plotly <c>scatter</c>, mode <c>markers</c>).</summary>
    Scatter,
    /// <summary>One bar per x value (Plotly <c>bar</c>).</summary>
    Bar,
    /// <summary>Counts of x values in bins (Plotly <c>histogram</c>); has no y values.</summary>
    Histogram,
}
