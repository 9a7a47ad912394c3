using System.Text.RegularExpressions;
using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Tests.Formatting;

public sealed partial class FormatterSnapshotTests
{
    private static readonly FormatterRegistry Formatters = FormatterRegistry.CreateDefault();

    [Fact]
    public void A_sequence_of_records_renders_as_an_html_table_with_numeric_columns_right_aligned()
    {
        Snapshot.Match(Formatters.Format(SampleValues.Runs, MimeTypes.Html)!, "records-table.html");
    }

    [Fact]
    public void A_sequence_of_records_renders_as_an_aligned_text_table()
    {
        Snapshot.Match(Formatters.Format(SampleValues.Runs, MimeTypes.PlainText)!, "records-table.txt");
    }

    [Fact]
    public void A_long_sequence_shows_the_first_hundred_rows_and_says_how_many_more_there_are()
    {
        var rows = Enumerable.Range(1, 250).Select(i => new { Step = i, Loss = 1.0 / i }).ToList();

        var text = Formatters.Format(rows, MimeTypes.PlainText)!;

        Assert.Equal(103, text.Split('\n').Length);
        Assert.EndsWith("\n… 150 more rows (250 in all)", text);
    }

    [Fact]
    public void A_sequence_of_numbers_is_text_not_a_table()
    {
        var data = Formatters.Format(new[] { 1.5, 2.25, 3.0 });

        Assert.Equal(["text/plain"], data.Keys);
        Assert.Equal("[1.5, 2.25, 3]", data[MimeTypes.PlainText]);
    }

    [Fact]
    public void A_chart_renders_as_plotly_json()
    {
        Snapshot.Match(Formatters.Format(SampleValues.Chart, MimeTypes.PlotlyJson)!, "chart.plotly.json");
    }

    [Fact]
    public void A_chart_renders_as_html_that_draws_it_with_plotly()
    {
        Snapshot.Match(Formatters.Format(SampleValues.Chart, MimeTypes.Html)!, "chart.html");
    }

    [Fact]
    public void A_chart_for_a_page_holding_plotly_js_waits_for_it_and_loads_nothing()
    {
        var html = FormatterRegistry.CreateDefault(LlmLab.Notebooks.Charts.PlotlyJsSource.Page).Format(SampleValues.Chart, MimeTypes.Html)!;

        Snapshot.Match(html, "chart.page.html");
        Assert.DoesNotContain(LlmLab.Notebooks.Charts.PlotlyJs.CdnUrl, html);
        Assert.DoesNotContain(".src", html);
    }

    [Fact]
    public void A_record_for_a_page_holding_plotly_js_draws_its_charts_without_a_url()
    {
        var html = FormatterRegistry.CreateDefault(LlmLab.Notebooks.Charts.PlotlyJsSource.Page).Format(EngineRecords.Bench, MimeTypes.Html)!;

        Assert.Contains("class=\"llmlab-chart\"", html);
        Assert.DoesNotContain(LlmLab.Notebooks.Charts.PlotlyJs.CdnUrl, html);
    }

    [Fact]
    public void A_chart_renders_as_one_line_of_text()
    {
        Assert.Equal(
            "Chart \"Decode throughput\" — line 'bf16' (3 points), scatter 'measured' (3 points); x: Batch size; y: Throughput (tokens/s)",
            Formatters.Format(SampleValues.Chart, MimeTypes.PlainText));
    }

    [Fact]
    public void An_exception_renders_as_html_with_its_causes_and_trace()
    {
        Snapshot.Match(StableTrace(Formatters.Format(SampleValues.Exception(), MimeTypes.Html)!), "exception.html");
    }

    [Fact]
    public void An_exception_renders_as_text_with_its_causes_and_trace()
    {
        Snapshot.Match(StableTrace(Formatters.Format(SampleValues.Exception(), MimeTypes.PlainText)!), "exception.txt");
    }

    [Fact]
    public void Html_content_is_written_unescaped()
    {
        Assert.Equal("<b>done</b>", Formatters.Format(new HtmlContent("<b>done</b>"), MimeTypes.Html));
    }

    [Fact]
    public void Numbers_are_written_the_same_in_every_culture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        try
        {
            Assert.Equal("1234.5679", Formatters.Format(1234.56789, MimeTypes.PlainText));
            Assert.Equal("1.235E-05", Formatters.Format(0.000012345, MimeTypes.PlainText));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void A_later_formatter_takes_precedence_for_the_values_it_handles()
    {
        var registry = FormatterRegistry.CreateDefault();
        registry.Add(new ShortRunFormatter());

        Assert.Equal("3 runs", registry.Format(SampleValues.Runs, MimeTypes.PlainText));
        Assert.Equal("[1, 2]", registry.Format(new[] { 1, 2 }, MimeTypes.PlainText));
    }

    [Fact]
    public void Asking_for_a_mime_type_no_formatter_writes_is_an_error_naming_the_available_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => Formatters.Format(42, ["image/png"]));

        Assert.StartsWith("No formatter writes a Int32 as image/png; available: text/plain.", error.Message);
    }

    /// <summary>Line numbers and paths in a stack trace depend on the build; keep the shape only.</summary>
    private static string StableTrace(string text) => TraceLine().Replace(text, "at $1 in <path>:line <n>");

    [GeneratedRegex(@"at (\S+\(\)) in \S+:line \d+")]
    private static partial Regex TraceLine();

    private sealed class ShortRunFormatter : IDisplayFormatter
    {
        public string MimeType => MimeTypes.PlainText;

        public Type ValueType => typeof(SampleValues.DecodeRun[]);

        public bool CanFormat(object value) => true;

        public void Format(object value, TextWriter writer) => writer.Write($"{((Array)value).Length} runs");
    }
}
