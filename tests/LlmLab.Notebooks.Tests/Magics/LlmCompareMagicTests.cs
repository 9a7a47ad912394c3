using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Notebooks.Tests.Execution;
using LlmLab.Tokenization;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class LlmCompareMagicTests
{
    /// <summary>A session with the embedded model loaded twice: as <c>baseModel</c> and as <c>model</c>.</summary>
    private static async Task<LlmLab.Notebooks.Execution.NotebookSession> WithBaseAndModelAsync()
    {
        var session = await EngineSessions.WithModelAsync();
        (await session.RunAsync("#!llm-load --name baseModel")).Succeeded();
        return session;
    }

    [Fact]
    public async Task Comparing_a_model_with_itself_shows_zero_kld_and_the_engines_perplexity_over_the_same_chunks()
    {
        var session = await WithBaseAndModelAsync();
        using var model = Transformer.Load(EmbeddedModel.Resolve(null), new CpuBackend());
        var heldOut = EmbeddedModel.FindHeldOutText()!;
        var text = ComparisonText.Encode(ModelTokenizer.Load(model.ModelPath), File.ReadAllText(heldOut), heldOut);
        var expected = ModelComparison.Run(model, model, text, 32, 2, cancellationToken: TestContext.Current.CancellationToken);

        var shown = (await session.RunAsync("#!llm-compare --ctx 32 --chunks 2")).Succeeded().DisplayedText();

        Assert.StartsWith("KL divergence 0 ± 0 nats: brown-llama-7m against brown-llama-7m\n", shown);
        Assert.Contains(FormattableString.Invariant($"Perplexity:              {expected.Model.Perplexity:G5} ± {expected.Model.PerplexityError:G5} (base {expected.Base.Perplexity:G5}"), shown);
        Assert.Contains("Same top token:          100.0 % ± 0.0 %", shown);
        Assert.Contains("30: 2 chunks of 32 tokens of " + heldOut + ", positions 16..30 of each", shown);
    }

    [Fact]
    public async Task A_missing_base_variable_fails_the_cell_saying_how_to_load_it()
    {
        var session = await EngineSessions.WithModelAsync();

        var result = await session.RunAsync("#!llm-compare --ctx 32 --chunks 1");

        Assert.Equal("#!llm-compare: no variable named 'baseModel' is defined; load a model first with #!llm-load --name baseModel.", result.Error?.Message);
    }

    [Fact]
    public async Task A_text_shorter_than_one_chunk_fails_the_cell_with_the_tokens_it_needs()
    {
        var session = await WithBaseAndModelAsync();
        var text = Path.Combine(TestPaths.TempDir(), "short.txt");
        await File.WriteAllTextAsync(text, "The jury said it did find that the city had been ably handled.\n", TestContext.Current.CancellationToken);

        var result = await session.RunAsync($"#!llm-compare --text {text} --ctx 512");

        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(text) + " encodes to [0-9]+ tokens but one chunk of --ctx 512 needs 512", result.Error?.Message ?? "");
    }
}
