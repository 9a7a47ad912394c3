using Microsoft.DotNet.Interactive.Formatting;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// One LlmLab formatter seen as a Polyglot <see cref="ITypeFormatter"/>; declining (returning false) lets
/// Polyglot's own formatter handle values ours does not, such as a sequence of numbers.
/// </summary>
internal sealed class PolyglotTypeFormatter(IDisplayFormatter formatter) : ITypeFormatter
{
    public string MimeType => formatter.MimeType;

    public Type Type => formatter.ValueType;

    public bool Format(object instance, FormatContext context)
    {
        if (instance is null || !formatter.CanFormat(instance)) return false;
        formatter.Format(instance, context.Writer);
        return true;
    }
}
