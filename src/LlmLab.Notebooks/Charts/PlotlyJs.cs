using System.IO.Compression;

namespace LlmLab.Notebooks.Charts;

/// <summary>
/// The plotly.js library bundled with LlmLab (npm package <c>plotly.js-dist-min</c>, MIT license, see
/// <c>Charts/PlotlyJs/LICENSE</c>), stored gzip-compressed as an embedded resource so reports render offline.
/// </summary>
public static class PlotlyJs
{
    /// <summary>Version of the bundled <c>plotly.js-dist-min</c> (pinned; see <c>Charts/PlotlyJs/README.md</c> to update).</summary>
    public const string Version = "3.7.0";

    /// <summary>
    /// Where a notebook front end without the bundle loads the same version from when a chart's HTML output
    /// runs and <c>window.Plotly</c> is not defined. Reports never use it: they embed the bundle.
    /// </summary>
    public const string CdnUrl = "https://cdn.plot.ly/plotly-" + Version + ".min.js";

    private const string ResourceName = "LlmLab.Notebooks.plotly.min.js.gz";

    private static readonly Lazy<string> Script = new(ReadScript);

    /// <summary>The minified plotly.js source (about 4.8 MB), decompressed once per process.</summary>
    public static string MinifiedScript => Script.Value;

    /// <summary>
    /// The bundle as one HTML <c>script</c> element that defines <c>window.Plotly</c> (about 4.8 MB): displayed once in
    /// a notebook, it lets every later chart output with <see cref="PlotlyJsSource.Page"/> draw offline.
    /// </summary>
    public static string HtmlScriptElement() =>
        // "</script" cannot occur inside a script element; the bundle's own occurrences are in strings, where "<\/" reads the same.
        $"<script type=\"text/javascript\">/* plotly.js {Version}, MIT license, (c) Plotly, Inc. */\n" +
        MinifiedScript.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) + "\n</script>";

    private static string ReadScript()
    {
        using var stream = typeof(PlotlyJs).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(PlotlyJs).Assembly.GetName().Name}; the build is broken.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd();
    }
}
