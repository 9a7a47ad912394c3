namespace LlmLab.Notebooks.Charts;

/// <summary>One series of a chart.</summary>
/// <param name="Kind">How it is drawn.</param>
/// <param name="Name">Legend entry; null for none.</param>
/// <param name="X">x values: <see cref="double"/> or <see cref="string"/> (categories) per point.</param>
/// <param name="Y">y values (NaN for a gap); empty for a histogram.</param>
public sealed record ChartTrace(ChartTraceKind Kind, string? Name, IReadOnlyList<object> X, IReadOnlyList<double> Y)
{
    /// <summary>Text shown when hovering each point (one per point), or null for Plotly's default.</summary>
    public IReadOnlyList<string>? HoverText { get; init; }

    /// <summary>Whether a line trace also draws a marker at each point.</summary>
    public bool ShowMarkers { get; init; }

    /// <summary>Number of bins a histogram asks Plotly for; null lets Plotly choose.</summary>
    public int? Bins { get; init; }

    /// <summary>Number of points (or histogram samples).</summary>
    public int Count => X.Count;
}
