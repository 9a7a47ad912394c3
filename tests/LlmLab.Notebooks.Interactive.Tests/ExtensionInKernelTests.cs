using Microsoft.DotNet.Interactive.Events;

namespace LlmLab.Notebooks.Interactive.Tests;

/// <summary>
/// LlmLab's magics, formatters and usings inside a .NET Interactive C# kernel with the kernel's Roslyn (5.0), loaded
/// from the build by <c>#r</c> and <c>#!import extension.dib</c>. The embedded model (data/models/brown-llama-7m) is
/// found above the test's folder. LlmLab's types are not referenced here (the kernel loads them), so values are told
/// apart by type name.
/// </summary>
public sealed class ExtensionInKernelTests(PolyglotKernel kernel) : IClassFixture<PolyglotKernel>
{
    [Fact]
    public void This_process_has_the_kernels_roslyn_not_llmlabs()
    {
        var version = typeof(Microsoft.CodeAnalysis.SyntaxTree).Assembly.GetName().Version!;

        Assert.Equal((5, 0), (version.Major, version.Minor));
    }

    [Fact]
    public void Loading_the_extension_succeeds_and_shows_its_magics_with_plotly_js()
    {
        Assert.DoesNotContain(kernel.LoadEvents, e => e is CommandFailed);
        var loaded = Assert.Single(Html(kernel.LoadEvents), h => h.Contains("llmlab-loaded", StringComparison.Ordinal));
        Assert.Contains("#!llm-load", loaded);
        Assert.Contains("window.Plotly", loaded);
    }

    [Fact]
    public async Task Llm_load_defines_the_variable_and_shows_the_summary_as_html_and_text()
    {
        var load = await kernel.SubmitAsync("#!llm-load --name loaded");

        Assert.DoesNotContain(load.Events, e => e is CommandFailed);
        var summary = Assert.Single(load.Events.OfType<DisplayedValueProduced>(), d => d.Value?.GetType().Name == "ModelSummary");
        Assert.Equal(["text/html", "text/plain"], summary.FormattedValues.Select(v => v.MimeType));
        var type = await kernel.SubmitAsync("loaded.GetType().Name");
        Assert.Equal("Transformer", Assert.Single(type.Events.OfType<ReturnValueProduced>()).Value);
    }

    [Fact]
    public async Task Short_options_reach_the_magic_and_its_text_streams_to_standard_output()
    {
        await kernel.SubmitAsync("#!llm-load --name small");

        var generate = await kernel.SubmitAsync("#!llm-generate \"The jury\" -m small -n 3 -s 1 -t 0.5");

        Assert.DoesNotContain(generate.Events, e => e is CommandFailed);
        var text = string.Concat(generate.Events.OfType<StandardOutputValueProduced>().SelectMany(e => e.FormattedValues).Select(v => v.Value));
        Assert.StartsWith("The jury", text);
        var result = Assert.Single(generate.Events.OfType<DisplayedValueProduced>(), d => d.Value?.GetType().Name == "GeneratedText").Value!;
        Assert.InRange((int)result.GetType().GetProperty("NewTokens")!.GetValue(result)!, 1, 3);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    public async Task Help_prints_the_magics_usage(string help)
    {
        var result = await kernel.SubmitAsync("#!llm-bench " + help);

        Assert.DoesNotContain(result.Events, e => e is CommandFailed);
        var text = string.Concat(result.Events.OfType<StandardOutputValueProduced>().SelectMany(e => e.FormattedValues).Select(v => v.Value));
        Assert.Contains("Usage: #!llm-bench", text);
    }

    [Fact]
    public async Task A_bad_option_fails_the_cell_with_one_line_naming_the_magic()
    {
        var load = await kernel.SubmitAsync("#!llm-load --device nowhere");

        var failed = Assert.Single(load.Events.OfType<CommandFailed>());
        Assert.StartsWith("#!llm-load: ", failed.Message);
        Assert.DoesNotContain('\n', failed.Message);
    }

    [Fact]
    public async Task A_keyword_as_variable_name_is_refused_by_llmlabs_own_rules_without_roslyn()
    {
        var load = await kernel.SubmitAsync("#!llm-load --name class");

        Assert.Equal("#!llm-load: 'class' cannot be a variable name: it is a C# keyword.", Assert.Single(load.Events.OfType<CommandFailed>()).Message);
    }

    [Fact]
    public async Task Cells_have_the_studies_namespaces_and_a_chart_displays_as_offline_html_and_text()
    {
        var chart = await kernel.SubmitAsync("new ChartBuilder().Title(\"t\").Bar(new[] { \"a\" }, new[] { 1.0 }, \"v\").Build()");

        Assert.DoesNotContain(chart.Events, e => e is CommandFailed);
        var value = Assert.Single(chart.Events.OfType<ReturnValueProduced>());
        Assert.Equal(["text/html", "text/plain"], value.FormattedValues.Select(v => v.MimeType));
        Assert.DoesNotContain("cdn.plot.ly", value.FormattedValues.First().Value);
    }

    private static IEnumerable<string> Html(IEnumerable<KernelEvent> events) =>
        events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues).Where(v => v.MimeType == "text/html").Select(v => v.Value);
}
