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
    public void A_charts_preferred_mime_type_is_html()
    {
        Assert.Equal([MimeTypes.Html], Formatter.GetPreferredMimeTypesFor(typeof(LlmLab.Notebooks.Charts.Chart)));
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
