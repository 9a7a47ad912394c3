using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Tests.Formatting;

public sealed class RecordFormatterSnapshotTests
{
    private static readonly FormatterRegistry Formatters = FormatterRegistry.CreateDefault();

    [Fact]
    public void A_model_summary_renders_as_html_with_its_tensor_groups_as_a_table_and_a_bar_chart()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.BrownSummary, MimeTypes.Html)!, "model-summary.html");
    }

    [Fact]
    public void A_model_summary_renders_as_text_with_its_tensor_groups_as_a_table()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.BrownSummary, MimeTypes.PlainText)!, "model-summary.txt");
    }

    [Fact]
    public void A_bench_result_renders_as_html_with_throughput_latency_and_sweep_charts()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.Bench, MimeTypes.Html)!, "bench-result.html");
    }

    [Fact]
    public void A_bench_result_renders_as_text_with_its_arithmetic()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.Bench, MimeTypes.PlainText)!, "bench-result.txt");
    }

    [Fact]
    public void A_bench_result_without_latency_samples_or_a_sweep_shows_only_the_throughput_chart()
    {
        var html = Formatters.Format(EngineRecords.Bench with { InterTokenSamplesMs = null, BatchSweep = null }, MimeTypes.Html)!;

        Assert.Single(html.Split("class=\"llmlab-chart\"").Skip(1));
        Assert.Contains("Throughput, batch 1", html);
    }

    [Fact]
    public void A_perplexity_result_renders_as_html_and_text()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.Perplexity, MimeTypes.Html)!, "perplexity.html");
        Snapshot.Match(Formatters.Format(EngineRecords.Perplexity, MimeTypes.PlainText)!, "perplexity.txt");
    }

    [Fact]
    public void A_compare_result_renders_as_html_and_text_with_its_percentiles_and_two_charts()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.Compare, MimeTypes.Html)!, "compare-result.html");
        Snapshot.Match(Formatters.Format(EngineRecords.Compare, MimeTypes.PlainText)!, "compare-result.txt");
    }

    [Fact]
    public void A_kld_chart_uses_a_logarithmic_axis_only_when_every_percentile_is_positive()
    {
        var positive = EngineRecords.Compare with { Kld = EngineRecords.Compare.Kld with { Min = 1e-18 } };

        Assert.Contains("\"type\":\"log\"", Formatters.Format(positive, MimeTypes.Html)!);
        Assert.DoesNotContain("\"type\":\"log\"", Formatters.Format(EngineRecords.Compare, MimeTypes.Html)!);
    }

    [Fact]
    public void A_generation_renders_its_prompt_emphasised_before_the_completion_with_markup_escaped()
    {
        Snapshot.Match(Formatters.Format(EngineRecords.Generated, MimeTypes.Html)!, "generated-text.html");
        Snapshot.Match(Formatters.Format(EngineRecords.Generated, MimeTypes.PlainText)!, "generated-text.txt");
    }

    [Fact]
    public void A_memory_ledger_renders_bytes_by_category_and_its_peak()
    {
        var ledger = EngineRecords.Ledger();

        Snapshot.Match(Formatters.Format(ledger, MimeTypes.Html)!, "memory-ledger.html");
        Snapshot.Match(Formatters.Format(ledger, MimeTypes.PlainText)!, "memory-ledger.txt");
    }

    [Fact]
    public void No_gpu_renders_as_a_sentence_saying_why()
    {
        Assert.Equal(
            "<div class=\"llmlab-record\">\n<p class=\"llmlab-record-title\" style=\"margin:4px 0;font-weight:600\">No GPU found</p>\n" +
            "<p class=\"llmlab-note\" style=\"margin:6px 0\">This build has no GPU backend (LlmLab.Cuda is not beside LlmLab), so everything runs on the CPU.</p>\n</div>",
            Formatters.Format(EngineRecords.NoGpu, MimeTypes.Html));
    }

    [Fact]
    public void Records_have_no_plotly_json_of_their_own_so_a_front_end_shows_their_html()
    {
        Assert.Equal([MimeTypes.PlainText, MimeTypes.Html], Formatters.Format(EngineRecords.Bench).Keys.Order().Reverse());
    }
}
