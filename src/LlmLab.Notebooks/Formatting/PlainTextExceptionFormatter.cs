namespace LlmLab.Notebooks.Formatting;

/// <summary>Writes an exception as text: <c>Type: message</c>, its inner exceptions, then the stack trace.</summary>
public sealed class PlainTextExceptionFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlainText;

    /// <inheritdoc/>
    public Type ValueType => typeof(Exception);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is Exception;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        var exception = (Exception)value;
        var lines = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            lines.Add((e == exception ? "" : "caused by ") + $"{e.GetType().Name}: {e.Message}");
        }

        if (exception.StackTrace is { Length: > 0 } trace) lines.Add(trace.ReplaceLineEndings("\n"));
        writer.Write(string.Join('\n', lines));
    }
}
