using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Tests.Execution;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class LlmGenerateMagicTests
{
    [Fact]
    public async Task Greedy_generation_streams_the_reference_continuation_and_shows_its_figures()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = (await session.RunAsync("#!llm-generate \"The jury said\" --max-new-tokens 40")).Succeeded();

        // Reference greedy ids of the Brown model start [14 ("."), 0 (<|endoftext|>, the eos)].
        Assert.Equal("The jury said.\n", result.Stdout());
        var shown = Assert.Single(result.Displays()).Data;
        Assert.StartsWith("Generated 2 tokens on cpu\nThe jury said.\n  Tokens:", shown[MimeTypes.PlainText]);
        Assert.Contains("<strong>The jury said</strong>.</p>", shown[MimeTypes.Html]);
    }

    [Fact]
    public async Task Sampling_options_reach_the_generator_so_a_seeded_run_matches_the_engine()
    {
        var session = await EngineSessions.WithModelAsync();
        using var model = Transformer.Load(LlmLab.Models.EmbeddedModel.Resolve(null), new CpuBackend());
        var expected = TextGenerator.ForModel(model).Generate("The committee reported that", 16, new SamplingOptions(0.8f, 40, 0.95f, 1.1f, 7));

        var result = (await session.RunAsync(
            "#!llm-generate \"The committee reported that\" -n 16 --temperature 0.8 --top-k 40 --top-p 0.95 --repetition-penalty 1.1 --seed 7")).Succeeded();

        Assert.Equal("The committee reported that" + expected.Completion + "\n", result.Stdout());
    }

    [Fact]
    public async Task Generating_before_a_model_is_loaded_says_to_load_one()
    {
        var session = await EngineSessions.StartAsync();

        var result = await session.RunAsync("#!llm-generate hello");

        Assert.Equal("#!llm-generate: no variable named 'model' is defined; load a model first with #!llm-load.", result.Error?.Message);
    }

    [Fact]
    public async Task A_model_option_naming_a_variable_of_another_type_is_refused()
    {
        var session = await EngineSessions.StartAsync();
        await session.RunAsync("var words = \"not a model\";");

        var result = await session.RunAsync("#!llm-generate hello --model words");

        Assert.Equal("#!llm-generate: variable 'words' holds a String, not a model; load one with #!llm-load --name words.", result.Error?.Message);
    }

    [Fact]
    public async Task An_out_of_range_sampling_option_fails_the_cell_naming_it()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = await session.RunAsync("#!llm-generate hello --top-p 1.5");

        Assert.Equal("#!llm-generate: --top-p 1.5 is out of range; it must be (0, 1]. Run `#!llm-generate --help` for usage.", result.Error?.Message);
    }

    [Fact]
    public async Task Top_p_without_temperature_runs_greedily_and_warns_in_the_cell_output()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = await session.RunAsync("#!llm-generate \"The jury said that\" --max-new-tokens 4 --top-p 0.5");

        Assert.StartsWith("#!llm-generate: warning: --top-p has no effect without --temperature\nThe jury said that the first day", result.Succeeded().Stdout());
    }
}
