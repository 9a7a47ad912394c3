using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Recognises a Plotly.NET chart (<c>Plotly.NET.GenericChart</c>, an F# union whose cases <c>Chart</c> and
/// <c>MultiChart</c> derive from it) by type name, and reads its figure JSON through Plotly.NET's own
/// <c>GenericChart.toFigureJson</c>, found by reflection — so LlmLab draws a Plotly.NET user's charts with the plotly.js
/// it embeds, offline, without depending on Plotly.NET (6.0 pulls in FSharp.Core and embeds plotly.js 2.28 from a CDN).
/// </summary>
internal static class PlotlyNetFigure
{
    /// <summary>Full name of the chart type in Plotly.NET 2.0 to 6.0.</summary>
    public const string GenericChartTypeName = "Plotly.NET.GenericChart";

    /// <summary>The static method of <see cref="GenericChartTypeName"/> that serialises a chart's figure (<c>{"data", "layout"}</c>).</summary>
    public const string ToFigureJsonMethod = "toFigureJson";

    // Plotly.NET serialises a chart in ~4 s the first time on a busy 2-core machine (JIT of FSharp.Core and Newtonsoft)
    // and every formatter of a display asks for it, so each chart's figure is made once; entries go with the chart.
    private static readonly ConditionalWeakTable<object, Figure> Figures = [];

    /// <summary>A figure as LlmLab writes it: JSON safe inside a script element, and its height in CSS pixels.</summary>
    /// <param name="Json">The figure, re-serialised with an encoder that escapes <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c>.</param>
    /// <param name="Height">The layout's height, or <see cref="ChartBuilder.DefaultHeight"/>.</param>
    /// <param name="TraceTypes">The <c>type</c> of each trace, for the text form.</param>
    public sealed record Figure(string Json, int Height, IReadOnlyList<string> TraceTypes);

    /// <summary>Whether the value is a Plotly.NET chart: its type or a base type is <see cref="GenericChartTypeName"/>.</summary>
    public static bool IsChart(object value) => ChartType(value.GetType()) is not null;

    /// <summary>The chart's figure, made once per chart.</summary>
    /// <exception cref="InvalidOperationException">The value is not a Plotly.NET chart, or its version has no <c>toFigureJson</c> or writes something other than a figure.</exception>
    public static Figure Of(object chart) => Figures.GetValue(chart, Make);

    private static Figure Make(object chart)
    {
        var type = ChartType(chart.GetType()) ?? throw new InvalidOperationException($"{chart.GetType().FullName} is not a {GenericChartTypeName}.");
        var method = type.GetMethod(ToFigureJsonMethod, BindingFlags.Public | BindingFlags.Static, [type])
            ?? throw new InvalidOperationException(
                $"{type.Assembly.GetName().Name} {type.Assembly.GetName().Version} has no {GenericChartTypeName}.{ToFigureJsonMethod}; LlmLab draws Plotly.NET 2.0 to 6.0 charts.");
        string json;
        try
        {
            json = (string?)method.Invoke(null, [chart]) ?? "";
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"Plotly.NET could not serialise the chart: {e.InnerException.Message}", e.InnerException);
        }

        if (JsonNode.Parse(json) is not JsonObject figure || figure["data"] is not JsonArray data)
            throw new InvalidOperationException($"{GenericChartTypeName}.{ToFigureJsonMethod} returned something other than a figure with a data array.");
        var height = figure["layout"]?["height"] is JsonValue h && h.TryGetValue<double>(out var pixels) && pixels is > 0 and < 100_000 ? (int)pixels : ChartBuilder.DefaultHeight;
        var traces = data.Select(t => t?["type"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : "scatter").ToArray();
        return new Figure(figure.ToJsonString(), height, traces);
    }

    private static Type? ChartType(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.FullName == GenericChartTypeName) return type;
        }

        return null;
    }
}
