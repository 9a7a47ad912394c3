namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Turns values of one type into one MIME type. Formatters are small classes registered in a
/// <see cref="FormatterRegistry"/>; a value is displayed in every MIME type that has a formatter for it.
/// </summary>
public interface IDisplayFormatter
{
    /// <summary>The MIME type written, e.g. <see cref="MimeTypes.Html"/>.</summary>
    string MimeType { get; }

    /// <summary>The type of values formatted (also the type registered with a Polyglot kernel).</summary>
    Type ValueType { get; }

    /// <summary>Whether this formatter handles the value (it is a <see cref="ValueType"/>, and any further condition holds).</summary>
    bool CanFormat(object value);

    /// <summary>Writes the value's representation.</summary>
    void Format(object value, TextWriter writer);
}
