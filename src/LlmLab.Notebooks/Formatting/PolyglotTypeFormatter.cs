using Microsoft.DotNet.Interactive.Formatting;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// One LlmLab formatter seen as a Polyglot <see cref="ITypeFormatter"/>. Polyglot picks one formatter per type and
/// MIME type and does not fall back when it declines, so values ours does not handle (a sequence of numbers, or a
/// string, both <c>IEnumerable</c>) are handed to the most specific other formatter Polyglot has for them: the one
/// that would have formatted them without LlmLab.
/// </summary>
internal sealed class PolyglotTypeFormatter(IDisplayFormatter formatter) : ITypeFormatter
{
    public string MimeType => formatter.MimeType;

    public Type Type => formatter.ValueType;

    public bool Format(object instance, FormatContext context)
    {
        if (instance is null) return false;
        if (formatter.CanFormat(instance))
        {
            formatter.Format(instance, context.Writer);
            return true;
        }

        return Fallback(instance.GetType()) is { } other && other.Format(instance, context);
    }

    private ITypeFormatter? Fallback(Type type)
    {
        var candidates = Formatter.RegisteredFormatters(includeDefaults: true)
            .Where(f => f is not PolyglotTypeFormatter && f.MimeType == MimeType && !f.Type.ContainsGenericParameters && f.Type.IsAssignableFrom(type))
            .ToArray();
        // Most specific first: a candidate no other candidate's type derives from.
        return candidates.FirstOrDefault(c => !candidates.Any(o => o.Type != c.Type && c.Type.IsAssignableFrom(o.Type)));
    }
}
