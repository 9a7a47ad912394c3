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

        json.WriteNumber("height", chart.Height);
        json.WriteEndObject();
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
