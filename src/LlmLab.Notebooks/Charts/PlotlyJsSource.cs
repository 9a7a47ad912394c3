namespace LlmLab.Notebooks.Charts;

/// <summary>Where the HTML of a chart gets plotly.js from when the page does not define <c>window.Plotly</c> yet.</summary>
public enum PlotlyJsSource
{
    /// <summary>
    /// Loads the pinned version from <see cref="PlotlyJs.CdnUrl"/>: for notebook files that LlmLab's own runner writes,
    /// opened in a front end that has no plotly.js. Reports embed the bundle, so their charts never reach the CDN.
    /// </summary>
    Cdn,

    /// <summary>
    /// Never loads anything: the page already holds the bundle, put there once by an earlier output
    /// (<see cref="PlotlyJs.HtmlScriptElement"/>, which the Polyglot extension displays when it loads), so charts draw
    /// offline. A chart whose page lacks it says so in its own box instead of drawing.
    /// </summary>
    Page,
}
