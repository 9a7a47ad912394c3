namespace LlmLab.Notebooks.Formatting;

/// <summary>Writes an exception as HTML: its type and message, inner exceptions, and the stack trace in a <c>pre</c>.</summary>
public sealed class HtmlExceptionFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.Html;

    /// <inheritdoc/>
    public Type ValueType => typeof(Exception);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is Exception;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        var exception = (Exception)value;
        writer.Write("<div class=\"llmlab-exception\">");
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            writer.Write(e == exception ? "<p>" : "<p>caused by ");
            writer.Write($"<strong>{HtmlText.Encode(e.GetType().Name)}</strong>: {HtmlText.Encode(e.Message)}</p>");
        }

        if (exception.StackTrace is { Length: > 0 } trace) writer.Write($"<pre>{HtmlText.Encode(trace)}</pre>");
        writer.Write("</div>");
    }
}
