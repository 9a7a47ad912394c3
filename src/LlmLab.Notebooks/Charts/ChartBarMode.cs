namespace LlmLab.Notebooks.Charts;

/// <summary>How several bar traces share an x value (Plotly <c>layout.barmode</c>).</summary>
public enum ChartBarMode
{
    /// <summary>Side by side.</summary>
    Grouped,
    /// <summary>On top of each other; the bar's height is the sum.</summary>
    Stacked,
    /// <summary>Drawn over each other (also how overlapping histograms are drawn).</summary>
    Overlay,
}
