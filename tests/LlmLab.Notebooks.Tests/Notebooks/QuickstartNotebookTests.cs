using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Tests.Notebooks;

public sealed class QuickstartNotebookTests
{
    [Fact]
    public async Task The_quickstart_notebook_runs_every_cell_without_an_error()
    {
        var (run, progress) = await QuickstartRun.ResultAsync();

        Assert.True(run.ExitCode == NotebookRunner.ExitSucceeded, progress);
        Assert.All(run.Cells.Where(c => c.Status != CellRunStatus.Skipped), c => Assert.Equal(CellRunStatus.Succeeded, c.Status));
        Assert.Equal(7, run.Cells.Count(c => c.Status == CellRunStatus.Succeeded));
    }

    [Fact]
    public async Task The_quickstart_shows_the_summary_model_hash_generation_benchmark_perplexity_and_gpu_list()
    {
        var (run, _) = await QuickstartRun.ResultAsync();

        var shown = run.Document!.Cells.SelectMany(c => c.Outputs).OfType<DisplayDataOutput>()
            .Select(d => d.Data[MimeTypes.PlainText].Split('\n')[0]).ToArray();
        Assert.Equal(8, shown.Length);
        Assert.StartsWith("brown-llama-7m · llama · 6.45 M parameters", shown[0]);
        Assert.Equal("SHA-256 of brown-llama-7m", shown[1]);
        Assert.Equal("Memory held on cpu", shown[2]);
        Assert.Equal("Generated 40 tokens on cpu", shown[3]);
        Assert.StartsWith("brown-llama-7m on cpu", shown[4]);
        Assert.StartsWith("Chart \"Inter-token latency of each decode step, batch 1\"", shown[5]);
        Assert.StartsWith("Perplexity ", shown[6]);
        Assert.Equal("No GPU found", shown[7]);
    }

    [Fact]
    public async Task The_quickstart_report_embeds_plotly_once_and_holds_five_charts()
    {
        var (run, _) = await QuickstartRun.ResultAsync();

        var html = await File.ReadAllTextAsync(run.HtmlPath!, TestContext.Current.CancellationToken);

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "plotly.js v"));
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(html, "class=\"llmlab-chart\"").Count);
    }
}
