namespace LlmLab.Notebooks.Formatting;

/// <summary>Plain text for a Plotly.NET chart: what it draws (its trace types), since a terminal cannot show the chart itself.</summary>
public sealed class PlotlyNetTextFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlainText;

    /// <inheritdoc/>
    public Type ValueType => typeof(object);

    /// <inheritdoc/>
    public bool CanFormat(object value) => PlotlyNetFigure.IsChart(value);

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        var traces = PlotlyNetFigure.Of(value).TraceTypes;
        writer.Write($"Plotly.NET chart: {(traces.Count == 1 ? "1 trace" : $"{traces.Count} traces")} ({string.Join(", ", traces)})");
    }
}
