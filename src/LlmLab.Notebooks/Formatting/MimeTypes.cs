namespace LlmLab.Notebooks.Formatting;

/// <summary>MIME types of notebook outputs that LlmLab's formatters produce.</summary>
public static class MimeTypes
{
    /// <summary>Plain text, the representation every value has.</summary>
    public const string PlainText = "text/plain";

    /// <summary>An HTML fragment.</summary>
    public const string Html = "text/html";

    /// <summary>A Plotly figure as JSON, rendered natively by Jupyter and VS Code's Plotly renderers.</summary>
    public const string PlotlyJson = "application/vnd.plotly.v1+json";
}
