namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Writes a Plotly.NET chart as its figure JSON (<see cref="MimeTypes.PlotlyJson"/>), which reports draw with the
/// embedded plotly.js and Jupyter front ends with their own Plotly renderer. Recognised by type name (see <see cref="PlotlyNetFigure"/>).
/// </summary>
public sealed class PlotlyNetJsonFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlotlyJson;

    /// <inheritdoc/>
    public Type ValueType => typeof(object);

    /// <inheritdoc/>
    public bool CanFormat(object value) => PlotlyNetFigure.IsChart(value);

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer) => writer.Write(PlotlyNetFigure.Of(value).Json);
}
