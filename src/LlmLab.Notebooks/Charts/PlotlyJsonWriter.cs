using System.Text;
using System.Text.Json;

namespace LlmLab.Notebooks.Charts;

/// <summary>
/// Writes a <see cref="Chart"/> as a Plotly figure (<c>{"data": [...], "layout": {...}}</c>), the document
/// <c>application/vnd.plotly.v1+json</c> carries and <c>Plotly.newPlot</c> takes.
/// </summary>
internal static class PlotlyJsonWriter
{
    // The default encoder escapes <, >, & and ' as \uXXXX, so the JSON can sit inside an HTML <script> as is.
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    public static string Write(Chart chart)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteStartArray("data");
            foreach (var trace in chart.Traces) WriteTrace(json, trace);
            json.WriteEndArray();
            WriteLayout(json, chart);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTrace(Utf8JsonWriter json, ChartTrace trace)
    {
        json.WriteStartObject();
        switch (trace.Kind)
        {
            case ChartTraceKind.Line:
                json.WriteString("type", "scatter");
                json.WriteString("mode", trace.ShowMarkers ? "lines+markers" : "lines");
                break;
            case ChartTraceKind.Scatter:
                json.WriteString("type", "scatter");
                json.WriteString("mode", "markers");
                break;
            case ChartTraceKind.Bar:
                json.WriteString("type", "bar");
                break;
            case ChartTraceKind.Histogram:
                json.WriteString("type", "histogram");
                if (trace.Bins is { } bins) json.WriteNumber("nbinsx", bins);
                break;
        }

        if (trace.Name is not null) json.WriteString("name", trace.Name);
        json.WriteStartArray("x");
        foreach (var x in trace.X)
        {
            if (x is double d) WriteNumber(json, d);
            else json.WriteStringValue(x.ToString());
        }

        json.WriteEndArray();
        if (trace.Kind != ChartTraceKind.Histogram)
        {
            json.WriteStartArray("y");
            foreach (var y in trace.Y) WriteNumber(json, y);
            json.WriteEndArray();
        }

        if (trace.HoverText is { } hover)
        {
            json.WriteStartArray("hovertext");
            foreach (var text in hover) json.WriteStringValue(text);
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteLayout(Utf8JsonWriter json, Chart chart)
    {
        json.WriteStartObject("layout");
        if (chart.Title is not null) WriteTitle(json, chart.Title);
        WriteAxis(json, "xaxis", chart.XAxis);
        WriteAxis(json, "yaxis", chart.YAxis);
        if (chart.Traces.Any(t => t.Kind is ChartTraceKind.Bar or ChartTraceKind.Histogram))
        {
            json.WriteString("barmode", chart.BarMode switch
            {
                ChartBarMode.Stacked => "stack",
                ChartBarMode.Overlay => "overlay",
                _ => "group",
            });
        }

        if (chart.MarkerLines.Count > 0) WriteMarkerLines(json, chart.MarkerLines);
        json.WriteNumber("height", chart.Height);
        json.WriteEndObject();
    }

    /// <summary>Vertical gap between the labels of successive lines, in paper units, so labels of nearby lines do not overlap.</summary>
    private const double MarkerLabelStep = 0.08;

    /// <summary>
    /// Each line is a shape from the bottom to the top of the plot area (y in paper units); its label is an
    /// annotation just right of the line's top, each label a step lower than the one before.
    /// </summary>
    private static void WriteMarkerLines(Utf8JsonWriter json, IReadOnlyList<ChartMarkerLine> lines)
    {
        json.WriteStartArray("shapes");
        foreach (var line in lines)
        {
            json.WriteStartObject();
            json.WriteString("type", "line");
            json.WriteString("xref", "x");
            json.WriteString("yref", "paper");
            json.WriteNumber("x0", line.X);
            json.WriteNumber("x1", line.X);
            json.WriteNumber("y0", 0);
            json.WriteNumber("y1", 1);
            json.WriteStartObject("line");
            json.WriteString("dash", "dash");
            json.WriteNumber("width", 1.5);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("annotations");
        var labelled = lines.Where(l => l.Label is not null).ToArray();
        for (var i = 0; i < labelled.Length; i++)
        {
            json.WriteStartObject();
            json.WriteString("xref", "x");
            json.WriteString("yref", "paper");
            json.WriteNumber("x", labelled[i].X);
            json.WriteNumber("y", 1 - i * MarkerLabelStep);
            json.WriteString("xanchor", "left");
            json.WriteString("yanchor", "top");
            json.WriteString("text", labelled[i].Label);
            json.WriteBoolean("showarrow", false);
            json.WriteString("bgcolor", "rgba(255,255,255,0.8)");
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteAxis(Utf8JsonWriter json, string name, ChartAxis axis)
    {
        json.WriteStartObject(name);
        if (axis.Label is { } label) WriteTitle(json, label);
        if (axis.Logarithmic) json.WriteString("type", "log");
        json.WriteEndObject();
    }

    private static void WriteTitle(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject("title");
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    /// <summary>NaN and infinities have no JSON form; Plotly draws null as a gap.</summary>
    private static void WriteNumber(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value)) json.WriteNumberValue(value);
        else json.WriteNullValue();
    }
}
