using LlmLab.Backends;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Measurement;
using LlmLab.Notebooks.Charts;
using LlmLab.Notebooks.Formatting.Records;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// The formatters a notebook session displays values with. For each MIME type, the most recently added formatter
/// that can format a value wins; <see cref="PlainTextObjectFormatter"/> guarantees every value has text.
/// </summary>
public sealed class FormatterRegistry
{
    private readonly List<IDisplayFormatter> _formatters = [];

    /// <summary>Formatters in precedence order (first wins).</summary>
    public IReadOnlyList<IDisplayFormatter> Formatters => _formatters;

    /// <summary>
    /// A registry with LlmLab's formatters: charts (Plotly JSON, HTML, text; LlmLab's <see cref="Charts.Chart"/> and
    /// Plotly.NET's <c>GenericChart</c>, recognised by type name), sequences of records (HTML and text
    /// tables), exceptions (HTML and text), <see cref="HtmlContent"/>, the engine's result records (HTML with tables
    /// and charts, and text: <see cref="ModelSummary"/>, <see cref="MemoryLedger"/>, <see cref="BenchResult"/>,
    /// <see cref="PerplexityResult"/>, <see cref="CompareResult"/>, <see cref="GeneratedText"/>, <see cref="GpuInventory"/>), and plain text for
    /// everything else.
    /// </summary>
    /// <param name="plotlyJs">Where chart HTML gets plotly.js from when the page lacks it.</param>
    public static FormatterRegistry CreateDefault(PlotlyJsSource plotlyJs = PlotlyJsSource.Cdn)
    {
        var registry = new FormatterRegistry();
        registry.Add(new PlainTextObjectFormatter());
        registry.Add(new PlainTextTableFormatter());
        registry.Add(new HtmlTableFormatter());
        registry.Add(new PlainTextExceptionFormatter());
        registry.Add(new HtmlExceptionFormatter());
        registry.Add(new HtmlContentFormatter());
        registry.Add(new PlainTextChartFormatter());
        registry.Add(new HtmlChartFormatter(plotlyJs));
        registry.Add(new PlotlyJsonChartFormatter());
        registry.Add(new PlotlyNetTextFormatter());
        registry.Add(new PlotlyNetHtmlFormatter(plotlyJs));
        registry.Add(new PlotlyNetJsonFormatter());
        AddRecord<ModelSummary>(registry, ModelSummaryView.Of, plotlyJs);
        AddRecord<MemoryLedger>(registry, MemoryLedgerView.Of, plotlyJs);
        AddRecord<BenchResult>(registry, BenchResultView.Of, plotlyJs);
        AddRecord<PerplexityResult>(registry, PerplexityResultView.Of, plotlyJs);
        AddRecord<CompareResult>(registry, CompareResultView.Of, plotlyJs);
        AddRecord<GeneratedText>(registry, GeneratedTextView.Of, plotlyJs);
        AddRecord<GpuInventory>(registry, GpuInventoryView.Of, plotlyJs);
        AddRecord<ModelFingerprint>(registry, ModelFingerprintView.Of, plotlyJs);
        AddRecord<EnvironmentFingerprint>(registry, EnvironmentFingerprintView.Of, plotlyJs);
        registry.Add(new ModelFingerprintJsonFormatter());
        return registry;
    }

    /// <summary>Adds a formatter; it takes precedence over those added before for the values it can format.</summary>
    public void Add(IDisplayFormatter formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _formatters.Insert(0, formatter);
    }

    /// <summary>The formatter used for a value in a MIME type, or null when none can format it.</summary>
    public IDisplayFormatter? Find(object value, string mimeType) =>
        _formatters.FirstOrDefault(f => f.MimeType == mimeType && f.ValueType.IsInstanceOfType(value) && f.CanFormat(value));

    /// <summary>
    /// The value in every MIME type some formatter handles (or only in <paramref name="mimeTypes"/> when given),
    /// always including <see cref="MimeTypes.PlainText"/> unless the caller restricted the types.
    /// </summary>
    public IReadOnlyDictionary<string, string> Format(object? value, IReadOnlyCollection<string>? mimeTypes = null)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value is null)
        {
            if (mimeTypes is null || mimeTypes.Contains(MimeTypes.PlainText)) data[MimeTypes.PlainText] = InvariantText.Null;
            return data;
        }

        foreach (var mime in _formatters.Select(f => f.MimeType).Distinct())
        {
            if (mimeTypes is not null && !mimeTypes.Contains(mime)) continue;
            if (Find(value, mime) is { } formatter) data[mime] = FormatWith(formatter, value);
        }

        if (data.Count == 0 && mimeTypes is not null)
        {
            throw new ArgumentException(
                $"No formatter writes a {value.GetType().Name} as {string.Join(" or ", mimeTypes)}; " +
                $"available: {string.Join(", ", _formatters.Where(f => f.ValueType.IsInstanceOfType(value) && f.CanFormat(value)).Select(f => f.MimeType).Distinct())}.",
                nameof(mimeTypes));
        }

        return data;
    }

    /// <summary>The value in one MIME type, or null when no formatter handles it.</summary>
    public string? Format(object value, string mimeType) =>
        Find(value, mimeType) is { } formatter ? FormatWith(formatter, value) : null;

    /// <summary>Adds the HTML and text formatters of one engine record type, both writing the same layout.</summary>
    private static void AddRecord<T>(FormatterRegistry registry, Func<T, RecordView> layout, PlotlyJsSource plotlyJs)
        where T : notnull
    {
        registry.Add(new PlainTextRecordFormatter<T>(layout));
        registry.Add(new HtmlRecordFormatter<T>(layout, plotlyJs));
    }

    private static string FormatWith(IDisplayFormatter formatter, object value)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        formatter.Format(value, writer);
        return writer.ToString();
    }
}
