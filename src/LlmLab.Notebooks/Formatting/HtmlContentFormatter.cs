namespace LlmLab.Notebooks.Formatting;

/// <summary>Writes an <see cref="HtmlContent"/> as its markup, unescaped.</summary>
public sealed class HtmlContentFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.Html;

    /// <inheritdoc/>
    public Type ValueType => typeof(HtmlContent);

    /// <inheritdoc/>
    public bool CanFormat(object value) => value is HtmlContent;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer) => writer.Write(((HtmlContent)value).Html);
}
