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
    /// LlmLab's own types (charts, the engine's records) display as <c>text/html</c> and <c>text/plain</c>. Formatters a
    /// notebook registers later for more specific types still win, as Polyglot picks the most specific type.
    /// </summary>
    /// <remarks>
    /// No value is offered in a <c>+json</c> MIME type by default (a chart's <c>application/vnd.plotly.v1+json</c>, a
    /// model fingerprint's <c>application/vnd.llmlab.model-fingerprint+json</c>): the kernel's Jupyter layer sends
    /// every MIME type except <c>application/json</c> as a string (<c>ExecuteRequestHandler.PreserveJson</c> in
    /// dotnet/interactive, tool 1.0.712001), and Jupyter's Plotly renderers, which front ends prefer to HTML, cannot draw
    /// a figure given as a JSON string. <c>chart.ToDisplayString("application/vnd.plotly.v1+json")</c> still gives it.
    /// (LlmLab's own kernel and <c>llmlab run</c> send these types as JSON objects.)
    /// </remarks>
    public static void Register(FormatterRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        // Registry order is precedence order, first wins; Polyglot lets the last registration win, so go backwards.
        foreach (var formatter in registry.Formatters.Reverse())
        {
            if (formatter.ValueType == typeof(object)) continue;
            Formatter.Register(new PolyglotTypeFormatter(formatter));
        }

        foreach (var (type, mimeTypes) in PreferredMimeTypes(registry))
        {
            Formatter.SetPreferredMimeTypesFor(type, mimeTypes);
        }
    }

    /// <summary>
    /// For each of LlmLab's own value types in the registry, the MIME types it is displayed in, HTML first (Plotly JSON
    /// and every other <c>+json</c> type left out, see <see cref="Register"/>). Shared types (<c>IEnumerable</c>, <c>Exception</c>) keep Polyglot's
    /// choice, which strings and every other sequence share.
    /// </summary>
    internal static IReadOnlyList<(Type Type, string[] MimeTypes)> PreferredMimeTypes(FormatterRegistry registry) =>
        registry.Formatters
            .Where(f => f.ValueType.Namespace?.StartsWith("LlmLab", StringComparison.Ordinal) == true && !IsJsonSuffixed(f.MimeType))
            .GroupBy(f => f.ValueType)
            .Select(g => (g.Key, g.Select(f => f.MimeType).Distinct().OrderBy(MimeRank).ToArray()))
            .ToArray();

    /// <summary>
    /// The first output the extension shows when it loads: the magics it added, and plotly.js as one script element, so
    /// that charts drawn later in the notebook (<see cref="PlotlyJsSource.Page"/>) render without a network.
    /// </summary>
    /// <param name="magicInvocations">The directives registered, e.g. <c>#!llm-load</c>.</param>
    public static string LoadedHtml(IEnumerable<string> magicInvocations) =>
        $"<p class=\"llmlab-loaded\">LlmLab loaded: magics {HtmlText.Encode(string.Join(", ", magicInvocations))}; " +
        $"charts draw with the plotly.js {PlotlyJs.Version} this output holds (MIT license), offline.</p>\n" +
        PlotlyJs.HtmlScriptElement();

    private static int MimeRank(string mimeType) => mimeType == MimeTypes.Html ? 0 : 1;

    /// <summary>A structured-syntax JSON type (RFC 6839 <c>+json</c>), which the kernel would send as a string.</summary>
    private static bool IsJsonSuffixed(string mimeType) => mimeType.EndsWith("+json", StringComparison.Ordinal);
}
