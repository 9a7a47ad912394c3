using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Tests.Execution;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class LlmBenchMagicTests
{
    [Fact]
    public async Task A_benchmark_defines_its_result_and_shows_figures_and_charts()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = (await session.RunAsync("#!llm-bench --prompt-tokens 8 --new-tokens 4 --repetitions 2 --warmup 0 --batch 1,2 --name quick")).Succeeded();

        var shown = Assert.Single(result.Displays()).Data;
        Assert.StartsWith("brown-llama-7m on cpu", shown[MimeTypes.PlainText]);
        Assert.Contains("Inter-token latency, 6 decode steps", shown[MimeTypes.PlainText]);
        Assert.Equal(3, shown[MimeTypes.Html].Split("class=\"llmlab-chart\"").Length - 1);
        var check = await session.RunAsync("$\"{quick.Batch} {quick.PromptTokens} {quick.InterTokenSamplesMs!.Count} {quick.BatchSweep!.Count}\"");
        Assert.Equal("1 8 6 2", check.Succeeded().DisplayedText());
    }

    [Fact]
    public async Task A_batch_list_that_is_not_numbers_is_refused()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = await session.RunAsync("#!llm-bench --batch 1,four");

        Assert.Equal("#!llm-bench: --batch '1,four' must be whole numbers separated by commas, e.g. 1,4,16. Run `#!llm-bench --help` for usage.", result.Error?.Message);
    }

    [Fact]
    public async Task A_batch_list_with_an_empty_item_is_refused()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = await session.RunAsync("#!llm-bench --batch 1,,4");

        Assert.Equal("#!llm-bench: --batch '1,,4' has an empty item; give whole numbers separated by commas, e.g. 1,4,16. Run `#!llm-bench --help` for usage.", result.Error?.Message);
    }

    [Fact]
    public async Task Options_out_of_the_benchmarks_range_fail_the_cell_with_its_message()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = await session.RunAsync("#!llm-bench --new-tokens 1");

        Assert.Equal("#!llm-bench: --new-tokens 1 is out of range; it must be [2, 1048576]. Run `#!llm-bench --help` for usage.", result.Error?.Message);
    }
}
