using System.Text.Json.Nodes;
using LlmLab.Notebooks.Charts;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Reports;
using LlmLab.Notebooks.Tests.Execution;
using Plotly.NET;

namespace LlmLab.Notebooks.Tests.Formatting;

/// <summary>Real Plotly.NET 6.0.0 charts (the package is referenced by this test project only, never by LlmLab).</summary>
public sealed class PlotlyNetChartTests
{
    private static readonly FormatterRegistry Formatters = FormatterRegistry.CreateDefault();

    /// <summary>A scatter chart built as Plotly.NET builds one: a trace object turned into a GenericChart.</summary>
    private static GenericChart Scatter(int height = 0)
    {
        var trace = new Trace2D("scatter");
        trace.SetProperty("x", new[] { 1, 2, 3 });
        trace.SetProperty("y", new[] { 4, 5, 6 });
        trace.SetProperty("mode", "markers");
        var chart = GenericChart.ofTraceObject(true, trace);
        if (height > 0)
        {
            var layout = new Layout();
            layout.SetProperty("height", height);
            chart = GenericChart.addLayout(layout, chart);
        }

        return chart;
    }

    [Fact]
    public void LlmLab_itself_does_not_reference_plotly_net()
    {
        var references = typeof(FormatterRegistry).Assembly.GetReferencedAssemblies().Select(a => a.Name);

        Assert.DoesNotContain("Plotly.NET", references);
        Assert.DoesNotContain("FSharp.Core", references);
    }

    [Fact]
    public void A_generic_chart_is_formatted_as_plotly_json_html_and_text()
    {
        var data = Formatters.Format(Scatter());

        var figure = JsonNode.Parse(data[MimeTypes.PlotlyJson])!;
        Assert.Equal("scatter", (string?)figure["data"]![0]!["type"]);
        Assert.Equal([4, 5, 6], figure["data"]![0]!["y"]!.AsArray().Select(v => (int)v!));
        Assert.Contains($"class=\"{HtmlChartFormatter.ChartClass}\"", data[MimeTypes.Html]);
        Assert.Equal("Plotly.NET chart: 1 trace (scatter)", data[MimeTypes.PlainText]);
    }

    [Fact]
    public void The_figure_equals_the_one_plotly_net_serialises()
    {
        var chart = Scatter();

        var ours = JsonNode.Parse(Formatters.Format(chart, MimeTypes.PlotlyJson)!);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(GenericChart.toFigureJson(chart)), ours));
    }

    [Fact]
    public void The_chart_div_takes_the_height_of_the_charts_layout()
    {
        var html = Formatters.Format(Scatter(height: 321), MimeTypes.Html)!;

        Assert.Contains("height:321px", html);
    }

    [Fact]
    public async Task A_chart_displayed_in_a_cell_draws_offline_in_the_report_with_the_embedded_plotly_js()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions
        {
            CellTimeout = TimeSpan.FromMinutes(1),
            References = [typeof(GenericChart).Assembly, typeof(DynamicObj.DynamicObj).Assembly],
        });
        var code = "var t = new Plotly.NET.Trace2D(\"bar\"); t.SetProperty(\"x\", new[] { \"a\", \"b\" }); t.SetProperty(\"y\", new[] { 2, 3 });\n" +
                   "display(Plotly.NET.GenericChart.ofTraceObject(true, t));";

        var execution = await session.RunAsync(code);
        var document = NotebookDocument.Create(NotebookCell.CSharpCell(code) with { Outputs = execution.Outputs, ExecutionCount = execution.ExecutionCount });
        var html = HtmlReport.Render(document, new ReportHeader("plotly.net"));

        Assert.Null(execution.Error);
        var output = Assert.IsType<DisplayDataOutput>(Assert.Single(execution.Outputs));
        Assert.Equal("bar", (string?)JsonNode.Parse(output.Data[MimeTypes.PlotlyJson])!["data"]![0]!["type"]);
        Assert.Contains($"/* plotly.js {PlotlyJs.Version}, MIT license", html);
        Assert.Contains("\"type\":\"bar\"", html);
        Assert.DoesNotContain("plotly-2.", html); // Plotly.NET's own HTML would load plotly.js 2.x from a CDN.
    }
}
