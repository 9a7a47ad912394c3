using System.Security.Cryptography;
using System.Text;
using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Writes a <see cref="Chart"/> as an HTML fragment: a <c>div</c> and a script that draws the figure with
/// <c>Plotly.newPlot</c>. Where <c>window.Plotly</c> is missing (a notebook front end, not a report, which embeds
/// plotly.js once) the script gets it as <paramref name="plotlyJs"/> says: from <see cref="PlotlyJs.CdnUrl"/>, or
/// from an earlier output of the page.
/// </summary>
/// <param name="plotlyJs">Where plotly.js comes from when the page lacks it.</param>
public sealed class HtmlChartFormatter(PlotlyJsSource plotlyJs = PlotlyJsSource.Cdn) : IDisplayFormatter
{
    /// <summary>
    /// How long a <see cref="PlotlyJsSource.Page"/> chart waits for <c>window.Plotly</c> before saying it is missing:
    /// a front end may run the output holding the bundle a little after the chart's (ms).
    /// </summary>
    private const int PageWaitMs = 5000;

    /// <summary>Polling interval while waiting for the page's plotly.js (ms).</summary>
    private const int PagePollMs = 100;

    /// <summary>CSS class of every chart's <c>div</c> (reports and tests find charts by it).</summary>
    public const string ChartClass = "llmlab-chart";

    /// <inheritdoc/>
    public string MimeType => MimeTypes.Html;

    /// <inheritdoc/>
    public Type ValueType => typeof(Chart);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is Chart;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        var chart = (Chart)value;
        WriteFigure(chart.ToPlotlyJson(), chart.Height, writer, plotlyJs);
    }

    /// <summary>Writes the <c>div</c> and drawing script for a Plotly figure given as JSON.</summary>
    /// <param name="figureJson">The figure (<c>{"data": [...], "layout": {...}}</c>), safe to embed in a script.</param>
    /// <param name="height">Height of the chart in CSS pixels.</param>
    /// <param name="writer">Where the HTML goes.</param>
    /// <param name="plotlyJs">Where plotly.js comes from when the page lacks it.</param>
    internal static void WriteFigure(string figureJson, int height, TextWriter writer, PlotlyJsSource plotlyJs = PlotlyJsSource.Cdn)
    {
        // The id is a hash of the figure, so output is deterministic; the script prefers its own position
        // (document.currentScript) so that two identical charts on one page each get drawn.
        var id = "llmlab-chart-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(figureJson)).AsSpan(0, 6));
        writer.Write($"<div class=\"{ChartClass}\" id=\"{id}\" style=\"width:100%;height:{height}px\"></div>\n");
        writer.Write("<script type=\"text/javascript\">\n(function () {\n");
        writer.Write($"  var figure = {figureJson};\n");
        writer.Write("  var script = document.currentScript;\n");
        writer.Write($"  var target = (script && script.previousElementSibling && script.previousElementSibling.classList.contains('{ChartClass}')) ? script.previousElementSibling : document.getElementById('{id}');\n");
        writer.Write("  var draw = function () { window.Plotly.newPlot(target, figure.data, figure.layout, { responsive: true, displaylogo: false }); };\n");
        writer.Write("  if (window.Plotly) { draw(); return; }\n");
        if (plotlyJs == PlotlyJsSource.Cdn)
        {
            writer.Write("  var loader = document.createElement('script');\n");
            writer.Write($"  loader.src = '{PlotlyJs.CdnUrl}';\n");
            writer.Write("  loader.onload = draw;\n");
            writer.Write("  document.head.appendChild(loader);\n");
        }
        else
        {
            writer.Write($"  var waited = 0, poll = setInterval(function () {{\n");
            writer.Write("    if (window.Plotly) { clearInterval(poll); draw(); return; }\n");
            writer.Write($"    if ((waited += {PagePollMs}) >= {PageWaitMs}) {{ clearInterval(poll); target.style.height = 'auto'; ");
            writer.Write($"target.textContent = 'This chart needs plotly.js {PlotlyJs.Version}, which the output of the cell that loaded LlmLab puts in the page: run that cell, then this one.'; }}\n");
            writer.Write($"  }}, {PagePollMs});\n");
        }

        writer.Write("})();\n</script>");
    }
}
