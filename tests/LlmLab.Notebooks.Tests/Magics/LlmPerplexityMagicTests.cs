using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Notebooks.Tests.Execution;
using LlmLab.Tokenization;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class LlmPerplexityMagicTests
{
    [Fact]
    public async Task Perplexity_of_the_held_out_text_equals_the_engines_over_the_same_windows()
    {
        var session = await EngineSessions.WithModelAsync();
        using var model = Transformer.Load(EmbeddedModel.Resolve(null), new CpuBackend());
        var tokens = Perplexity.TokenizeLines(ModelTokenizer.Load(model.ModelPath), File.ReadAllText(EmbeddedModel.FindHeldOutText()!), model.EosTokenIds);
        var expected = Perplexity.Evaluate(model, tokens, 32, 2);

        var text = (await session.RunAsync("#!llm-perplexity --window 32 --windows 2")).Succeeded().DisplayedText();

        Assert.StartsWith(FormattableString.Invariant($"Perplexity {expected.Perplexity:F3}\n  Mean NLL:      {expected.MeanNll:F5} nats"), text);
        Assert.Contains("62: 2 windows of 32 tokens", text);
    }

    [Fact]
    public async Task A_missing_text_file_fails_the_cell_naming_it()
    {
        var session = await EngineSessions.WithModelAsync();
        var missing = Path.Combine(TestPaths.TempDir(), "none.txt");

        var result = await session.RunAsync($"#!llm-perplexity {missing}");

        Assert.Equal($"#!llm-perplexity: text file {missing} not found.", result.Error?.Message);
    }

    [Fact]
    public async Task More_windows_than_the_text_holds_fail_the_cell_with_the_engines_message()
    {
        var session = await EngineSessions.WithModelAsync();
        var text = Path.Combine(TestPaths.TempDir(), "short.txt");
        await File.WriteAllTextAsync(text, "The jury said it did find that the city had been ably handled.\n", TestContext.Current.CancellationToken);

        var result = await session.RunAsync($"#!llm-perplexity {text} --window 64 --windows 4");

        Assert.StartsWith("4 windows of 64 tokens need 256 tokens but the text has", result.Error?.Message);
    }
}
