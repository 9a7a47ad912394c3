using System.Globalization;
using System.Numerics;

namespace LlmLab.Notebooks.Charts;

/// <summary>
/// Builds <see cref="Chart"/>s: add traces (line, scatter, bar, histogram), axis titles with units and hover text,
/// then <see cref="Build"/>.
/// </summary>
/// <example>
/// <code>
/// var chart = new ChartBuilder()
///     .Title("Decode throughput")
///     .XAxis("Batch size")
///     .YAxis("Throughput", "tokens/s")
///     .Line(batches, fp16, "fp16")
///     .Line(batches, q4, "q4_0", hoverText: labels)
///     .Build();
/// </code>
/// </example>
public sealed class ChartBuilder
{
    /// <summary>Height of a chart when none is set, in CSS pixels: fits a laptop screen beside the code.</summary>
    public const int DefaultHeight = 420;

    private readonly List<ChartTrace> _traces = [];
    private readonly List<ChartMarkerLine> _markerLines = [];
    private string? _title;
    private ChartAxis _xAxis = new();
    private ChartAxis _yAxis = new();
    private ChartBarMode _barMode = ChartBarMode.Grouped;
    private int _height = DefaultHeight;

    /// <summary>Sets the chart title.</summary>
    public ChartBuilder Title(string title)
    {
        _title = title;
        return this;
    }

    /// <summary>Sets the horizontal axis title, its unit (shown as <c>Title (unit)</c>) and scale.</summary>
    public ChartBuilder XAxis(string title, string? unit = null, bool logarithmic = false)
    {
        _xAxis = new ChartAxis(title, unit, logarithmic);
        return this;
    }

    /// <summary>Sets the vertical axis title, its unit (shown as <c>Title (unit)</c>) and scale.</summary>
    public ChartBuilder YAxis(string title, string? unit = null, bool logarithmic = false)
    {
        _yAxis = new ChartAxis(title, unit, logarithmic);
        return this;
    }

    /// <summary>Sets the height in CSS pixels.</summary>
    public ChartBuilder Height(int pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 50);
        _height = pixels;
        return this;
    }

    /// <summary>Sets how bar traces share an x value (grouped by default).</summary>
    public ChartBuilder BarMode(ChartBarMode mode)
    {
        _barMode = mode;
        return this;
    }

    /// <summary>Adds a line through the points (x[i], y[i]).</summary>
    /// <param name="x">x values: numbers, strings (categories) or dates.</param>
    /// <param name="y">y values, one per x.</param>
    /// <param name="name">Legend entry.</param>
    /// <param name="hoverText">Text shown on hover, one per point.</param>
    /// <param name="markers">Whether to draw a marker at each point too.</param>
    public ChartBuilder Line<TX, TY>(IEnumerable<TX> x, IEnumerable<TY> y, string? name = null, IEnumerable<string>? hoverText = null, bool markers = false)
        where TY : INumberBase<TY>
    {
        _traces.Add(Trace(ChartTraceKind.Line, x, y, name, hoverText) with { ShowMarkers = markers });
        return this;
    }

    /// <summary>Adds unjoined markers at the points (x[i], y[i]).</summary>
    public ChartBuilder Scatter<TX, TY>(IEnumerable<TX> x, IEnumerable<TY> y, string? name = null, IEnumerable<string>? hoverText = null)
        where TY : INumberBase<TY>
    {
        _traces.Add(Trace(ChartTraceKind.Scatter, x, y, name, hoverText));
        return this;
    }

    /// <summary>Adds one bar per category; several bar traces are grouped or stacked (see <see cref="BarMode"/>).</summary>
    public ChartBuilder Bar<TX, TY>(IEnumerable<TX> categories, IEnumerable<TY> values, string? name = null, IEnumerable<string>? hoverText = null)
        where TY : INumberBase<TY>
    {
        _traces.Add(Trace(ChartTraceKind.Bar, categories, values, name, hoverText));
        return this;
    }

    /// <summary>Adds one bar trace per series over the same categories, side by side.</summary>
    public ChartBuilder GroupedBars<TX, TY>(IEnumerable<TX> categories, IEnumerable<(string Name, IEnumerable<TY> Values)> series)
        where TY : INumberBase<TY> => Bars(categories, series, ChartBarMode.Grouped);

    /// <summary>Adds one bar trace per series over the same categories, stacked.</summary>
    public ChartBuilder StackedBars<TX, TY>(IEnumerable<TX> categories, IEnumerable<(string Name, IEnumerable<TY> Values)> series)
        where TY : INumberBase<TY> => Bars(categories, series, ChartBarMode.Stacked);

    /// <summary>Adds a histogram of the values.</summary>
    /// <param name="values">Samples, e.g. per-token latencies.</param>
    /// <param name="name">Legend entry.</param>
    /// <param name="bins">Number of bins to ask Plotly for; null lets Plotly choose.</param>
    public ChartBuilder Histogram<T>(IEnumerable<T> values, string? name = null, int? bins = null)
        where T : INumberBase<T>
    {
        if (bins is < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "A histogram needs at least one bin.");
        var x = values.Select(v => (object)ToDouble(v)).ToArray();
        _traces.Add(new ChartTrace(ChartTraceKind.Histogram, name, x, []) { Bins = bins });
        return this;
    }

    /// <summary>Adds a dashed vertical line at <paramref name="x"/>, labelled at the top, e.g. a percentile over a histogram.</summary>
    /// <param name="x">Where the line crosses the x axis.</param>
    /// <param name="label">Text at the top of the line; null for none.</param>
    public ChartBuilder MarkerLine(double x, string? label = null)
    {
        if (!double.IsFinite(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "A marker line needs a finite x value.");
        _markerLines.Add(new ChartMarkerLine(x, label));
        return this;
    }

    /// <summary>The chart built so far.</summary>
    public Chart Build() => new(_traces.ToArray())
    {
        Title = _title,
        MarkerLines = _markerLines.ToArray(),
        XAxis = _xAxis,
        YAxis = _yAxis,
        BarMode = _barMode,
        Height = _height,
    };

    private ChartBuilder Bars<TX, TY>(IEnumerable<TX> categories, IEnumerable<(string Name, IEnumerable<TY> Values)> series, ChartBarMode mode)
        where TY : INumberBase<TY>
    {
        var x = categories.ToArray();
        foreach (var (name, values) in series) Bar(x, values, name);
        _barMode = mode;
        return this;
    }

    private static ChartTrace Trace<TX, TY>(ChartTraceKind kind, IEnumerable<TX> x, IEnumerable<TY> y, string? name, IEnumerable<string>? hoverText)
        where TY : INumberBase<TY>
    {
        var xs = x.Select(v => ToXValue(v)).ToArray();
        var ys = y.Select(ToDouble).ToArray();
        var label = name is null ? kind.ToString().ToLowerInvariant() : $"{kind.ToString().ToLowerInvariant()} '{name}'";
        if (xs.Length != ys.Length)
        {
            throw new ArgumentException($"Chart {label}: {xs.Length} x values but {ys.Length} y values; give one y per x.", nameof(y));
        }

        var hover = hoverText?.ToArray();
        if (hover is not null && hover.Length != xs.Length)
        {
            throw new ArgumentException($"Chart {label}: {hover.Length} hover texts for {xs.Length} points; give one per point.", nameof(hoverText));
        }

        return new ChartTrace(kind, name, xs, ys) { HoverText = hover };
    }

    private static double ToDouble<T>(T value) where T : INumberBase<T> => double.CreateSaturating(value);

    private static object ToXValue<T>(T value) => value switch
    {
        null => "",
        string s => s,
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IConvertible c when IsNumeric(c.GetTypeCode()) => c.ToDouble(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static bool IsNumeric(TypeCode code) => code is >= TypeCode.SByte and <= TypeCode.Decimal;
}
