using LlmLab.Notebooks.Charts;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Reports;

namespace LlmLab.Notebooks.Tests.Reports;

public sealed class HtmlReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly FormatterRegistry Formatters = FormatterRegistry.CreateDefault();

    private static DisplayDataOutput ChartOutput(string title) =>
        new(Formatters.Format(new ChartBuilder().Title(title).Bar(new[] { "a" }, new[] { 1 }).Build()));

    private static NotebookDocument Executed(params CellOutput[] chartOutputs) => NotebookDocument.Create(
        NotebookCell.MarkdownCell("# Study\n\n| precision | bytes |\n| --- | --- |\n| fp16 | 2 |\n\nSome *emphasis*."),
        NotebookCell.CSharpCell("Console.WriteLine(\"<hello>\");\nnew[] { new { Name = \"x\", Value = 1.5 } }") with
        {
            ExecutionCount = 1,
            Timing = new CellTiming(Start, Start.AddMilliseconds(250)),
            Outputs =
            [
                new StreamOutput("stdout", "<hello>\n"),
                new DisplayDataOutput(Formatters.Format(new[] { new { Name = "x", Value = 1.5 } }), 1),
                .. chartOutputs,
            ],
        },
        NotebookCell.CSharpCell("throw new Exception(\"boom\");") with
        {
            ExecutionCount = 2,
            Timing = new CellTiming(Start.AddSeconds(1), Start.AddSeconds(1.5)),
            Outputs = [new StreamOutput("stderr", "careful\n"), new ErrorOutput("Exception", "boom", ["   at cell 3, line 1"])],
        },
        NotebookCell.CSharpCell("// never ran"));

    [Fact]
    public void A_report_without_charts_renders_markdown_code_outputs_and_statuses()
    {
        var header = new ReportHeader("study.dib") { Source = "notebooks/study.dib", Parameters = [KeyValuePair.Create("tokens", "64")] };

        Snapshot.Match(HtmlReport.Render(Executed(), header), "report-without-charts.html");
    }

    [Fact]
    public void A_report_with_charts_embeds_plotly_once_before_the_first_chart()
    {
        var html = HtmlReport.Render(Executed(ChartOutput("one"), ChartOutput("two")), new ReportHeader("charts"));

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, $"plotly.js v{PlotlyJs.Version}"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(html, "class=\"llmlab-chart\"").Count);
        // Charts only fetch plotly.js when window.Plotly is missing; defined first, nothing is fetched.
        Assert.True(html.IndexOf("plotly.js v", StringComparison.Ordinal) < html.IndexOf("class=\"llmlab-chart\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_whose_html_holds_charts_makes_the_report_embed_plotly()
    {
        var benchOutput = new DisplayDataOutput(Formatters.Format(Formatting.EngineRecords.Bench));

        var html = HtmlReport.Render(Executed(benchOutput), new ReportHeader("bench"));

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, $"plotly.js v{PlotlyJs.Version}"));
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(html, "class=\"llmlab-chart\"").Count);
    }

    [Fact]
    public void A_report_without_charts_does_not_carry_plotly()
    {
        Assert.DoesNotContain("plotly.js v", HtmlReport.Render(Executed(), new ReportHeader("plain")));
    }

    [Fact]
    public void A_plotly_figure_from_another_tool_is_drawn_from_its_json()
    {
        var figure = new DisplayDataOutput(new Dictionary<string, string>
        {
            [MimeTypes.PlotlyJson] = "{\"data\":[{\"type\":\"bar\",\"x\":[\"</script>\"],\"y\":[1]}],\"layout\":{\"height\":300}}",
            [MimeTypes.PlainText] = "Figure()",
        });

        var html = HtmlReport.Render(NotebookDocument.Create(NotebookCell.CSharpCell("fig") with { Outputs = [figure] }), new ReportHeader("theirs"));

        Assert.Contains("class=\"llmlab-chart\"", html);
        Assert.Contains("height:300px", html);
        Assert.DoesNotContain("[\"</script>\"]", html);
    }

    [Fact]
    public void Ansi_colour_codes_in_tracebacks_are_removed()
    {
        var document = NotebookDocument.Create(NotebookCell.CSharpCell("x") with { Outputs = [new ErrorOutput("E", "m", ["\u001b[0;31mTrace\u001b[0m"])] });

        var html = HtmlReport.Render(document, new ReportHeader("t"));

        Assert.Contains("<pre>Trace</pre>", html);
    }
}
