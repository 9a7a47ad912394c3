using LlmLab.Notebooks.Formatting;
using Microsoft.DotNet.Interactive.Formatting;
using Formatter = Microsoft.DotNet.Interactive.Formatting.Formatter;

namespace LlmLab.Notebooks.Tests.Formatting;

/// <summary>
/// LlmLab's formatters registered with Microsoft.DotNet.Interactive.Formatting, as extension.dib does in a
/// Polyglot kernel. The registration is process-wide, so these tests run in a collection of their own, one at a time.
/// </summary>
[Collection(nameof(PolyglotFormattersTests))]
[CollectionDefinition(nameof(PolyglotFormattersTests), DisableParallelization = true)]
public sealed class PolyglotFormattersTests
{
    private static readonly FormatterRegistry Ours = FormatterRegistry.CreateDefault();

    static PolyglotFormattersTests() => PolyglotFormatters.Register(Ours);

    [Fact]
    public void A_chart_formats_as_our_html_in_a_polyglot_kernel()
    {
        Assert.Equal(Ours.Format(SampleValues.Chart, MimeTypes.Html), SampleValues.Chart.ToDisplayString(MimeTypes.Html));
    }

    [Fact]
    public void A_chart_displays_as_html_and_text_and_not_as_a_plotly_json_string()
    {
        Assert.Equal([MimeTypes.Html, MimeTypes.PlainText], Formatter.GetPreferredMimeTypesFor(typeof(LlmLab.Notebooks.Charts.Chart)));
    }

    [Fact]
    public void An_engine_record_displays_as_html_and_text()
    {
        Assert.Equal([MimeTypes.Html, MimeTypes.PlainText], Formatter.GetPreferredMimeTypesFor(typeof(LlmLab.Measurement.BenchResult)));
    }

    [Fact]
    public void No_value_is_offered_in_a_json_suffixed_type_the_kernel_would_send_as_a_string()
    {
        Assert.Equal([MimeTypes.Html, MimeTypes.PlainText], Formatter.GetPreferredMimeTypesFor(typeof(LlmLab.Reproducibility.ModelFingerprint)));
        Assert.DoesNotContain(PolyglotFormatters.PreferredMimeTypes(Ours).SelectMany(p => p.MimeTypes), m => m.EndsWith("+json", StringComparison.Ordinal));
    }

    [Fact]
    public void Shared_types_keep_polyglots_preferred_mime_types()
    {
        Assert.DoesNotContain(PolyglotFormatters.PreferredMimeTypes(Ours), p => p.Type == typeof(System.Collections.IEnumerable) || p.Type == typeof(Exception));
    }

    [Fact]
    public void The_load_output_holds_plotly_js_and_no_url_to_load_it_from()
    {
        var html = PolyglotFormatters.LoadedHtml(["#!llm-help", "#!llm-load"]);

        Assert.Contains("#!llm-help, #!llm-load", html);
        Assert.Contains(LlmLab.Notebooks.Charts.PlotlyJs.MinifiedScript[..1000], html);
        Assert.DoesNotContain("<script src", html);
        Assert.EndsWith("</script>", html);
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(html, "</script", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }

    [Fact]
    public void A_sequence_of_records_formats_as_our_table()
    {
        Assert.Equal(Ours.Format(SampleValues.Runs, MimeTypes.Html), SampleValues.Runs.ToDisplayString(MimeTypes.Html));
        Assert.Equal(Ours.Format(SampleValues.Runs, MimeTypes.PlainText), SampleValues.Runs.ToDisplayString(MimeTypes.PlainText));
    }

    [Fact]
    public void An_engine_record_formats_as_our_html_and_text()
    {
        Assert.Equal(Ours.Format(EngineRecords.Bench, MimeTypes.Html), EngineRecords.Bench.ToDisplayString(MimeTypes.Html));
        Assert.Equal(Ours.Format(EngineRecords.Perplexity, MimeTypes.PlainText), EngineRecords.Perplexity.ToDisplayString(MimeTypes.PlainText));
    }

    [Fact]
    public void An_exception_formats_as_our_html()
    {
        var exception = SampleValues.Exception();

        Assert.Equal(Ours.Format(exception, MimeTypes.Html), exception.ToDisplayString(MimeTypes.Html));
    }

    [Fact]
    public void Values_our_formatters_decline_keep_polyglots_formatting()
    {
        Assert.Equal("text", "text".ToDisplayString(MimeTypes.PlainText));
        Assert.Equal("[ 1, 2, 3 ]", new[] { 1, 2, 3 }.ToDisplayString(MimeTypes.PlainText));
        Assert.StartsWith("<div class=\"dni-plaintext\"><pre>[ 1, 2, 3 ]</pre>", new[] { 1, 2, 3 }.ToDisplayString(MimeTypes.Html));
    }
}
