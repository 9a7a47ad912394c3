using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting;

/// <summary>Writes a <see cref="Chart"/> as its Plotly figure JSON (<see cref="MimeTypes.PlotlyJson"/>).</summary>
public sealed class PlotlyJsonChartFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlotlyJson;

    /// <inheritdoc/>
    public Type ValueType => typeof(Chart);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is Chart;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer) => writer.Write(((Chart)value).ToPlotlyJson());
}
