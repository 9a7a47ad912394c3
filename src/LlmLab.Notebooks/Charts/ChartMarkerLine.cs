namespace LlmLab.Notebooks.Charts;

/// <summary>A dashed vertical line across the plot at an x value, e.g. a latency percentile over a histogram.</summary>
/// <param name="X">Where the line crosses the x axis, in the axis's units.</param>
/// <param name="Label">Text written at the top of the line, e.g. <c>p99 4.5 ms</c>; null for none.</param>
public sealed record ChartMarkerLine(double X, string? Label);
