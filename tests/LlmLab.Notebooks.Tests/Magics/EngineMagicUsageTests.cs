using LlmLab.Notebooks.Magics;
using LlmLab.Notebooks.Tests.Execution;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class EngineMagicUsageTests
{
    private static readonly string[] EngineMagics = ["llm-load", "llm-inspect", "llm-generate", "llm-bench", "llm-perplexity", "llm-compare", "llm-gpu"];

    [Fact]
    public void The_default_registry_holds_help_and_every_engine_magic()
    {
        Assert.Equal(EngineMagics.Append("llm-help").Order(StringComparer.Ordinal), MagicRegistry.CreateDefault().Commands.Select(c => c.Name));
    }

    [Fact]
    public void The_usage_of_every_engine_magic_matches_the_approved_text()
    {
        var registry = MagicRegistry.CreateDefault();
        var usages = EngineMagics.Select(name =>
        {
            Assert.True(registry.TryGet(name, out var magic));
            return magic.Syntax.Usage(magic.Invocation);
        });

        Snapshot.Match(string.Join("\n\n", usages) + "\n", "engine-magics-usage.txt");
    }

    [Theory]
    [InlineData("#!llm-load -h")]
    [InlineData("#!llm-generate --help")]
    [InlineData("#!llm-bench -h")]
    public async Task Help_prints_the_usage_and_runs_nothing(string line)
    {
        var session = await EngineSessions.StartAsync();

        var result = (await session.RunAsync(line)).Succeeded();

        var name = line.Split(' ')[0];
        Assert.StartsWith($"{name} — ", result.Stdout());
        Assert.Empty(result.Displays());
        Assert.Equal("CompilationError", (await session.RunAsync("model")).Error?.Name);
    }
}
