using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Writes a Plotly.NET chart as the same <c>div</c> and drawing script as LlmLab's own charts
/// (<see cref="HtmlChartFormatter"/>): drawn with the page's plotly.js (a report embeds it once), not Plotly.NET's CDN link.
/// </summary>
/// <param name="plotlyJs">Where the chart gets plotly.js from when the page lacks it (as <see cref="HtmlChartFormatter"/>).</param>
public sealed class PlotlyNetHtmlFormatter(PlotlyJsSource plotlyJs = PlotlyJsSource.Cdn) : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.Html;

    /// <inheritdoc/>
    public Type ValueType => typeof(object);

    /// <inheritdoc/>
    public bool CanFormat(object value) => PlotlyNetFigure.IsChart(value);

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        var figure = PlotlyNetFigure.Of(value);
        HtmlChartFormatter.WriteFigure(figure.Json, figure.Height, writer, plotlyJs);
    }
}
