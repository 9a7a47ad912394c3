using LlmLab.Notebooks.Charts;
using Microsoft.DotNet.Interactive.Formatting;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Registers LlmLab's formatters with <c>Microsoft.DotNet.Interactive.Formatting</c>, so charts, record tables and
/// exceptions look the same in a Polyglot Notebooks kernel as in LlmLab's own engine. Called by
/// <c>extension.dib</c>; touches the Formatting assembly only when called.
/// </summary>
public static class PolyglotFormatters
{
    /// <summary>
    /// Registers every formatter of the registry except the plain-text fallback (Polyglot has its own), and makes
    /// HTML the preferred MIME type of <see cref="Chart"/>. Formatters a notebook registers later for more specific
    /// types still win, as Polyglot picks the most specific type.
    /// </summary>
    public static void Register(FormatterRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        // Registry order is precedence order, first wins; Polyglot lets the last registration win, so go backwards.
        foreach (var formatter in registry.Formatters.Reverse())
        {
            if (formatter.ValueType == typeof(object)) continue;
            Formatter.Register(new PolyglotTypeFormatter(formatter));
        }

        Formatter.SetPreferredMimeTypesFor(typeof(Chart), MimeTypes.Html);
    }
}
