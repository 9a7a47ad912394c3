namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Plain text for any value: scalars in invariant culture, sequences inline (<c>[1, 2, 3]</c>), other objects by
/// their <see cref="object.ToString"/> (records print their properties). The fallback of every registry.
/// </summary>
public sealed class PlainTextObjectFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlainText;

    /// <inheritdoc/>
    public Type ValueType => typeof(object);

    /// <inheritdoc/>
    public bool CanFormat(object value) => true;

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer) => writer.Write(InvariantText.Of(value));
}
