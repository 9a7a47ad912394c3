using System.Text.Json;
using LlmLab.Tests.Evaluation;

namespace LlmLab.Tests.Cli;

public sealed class CompareCommandTests
{
    private static string HeldOutText => Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt");

    [Fact]
    public void Compare_json_has_the_documented_fields_for_the_embedded_model_against_its_f16_copy()
    {
        var r = CliRunner.Run(null, "compare", "--base", Fixtures.BrownModel, "--model", ModelCopies.BrownF16, "--text", HeldOutText, "--ctx", "32", "--chunks", "2", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal((32, 2, 30), (root.GetProperty("ctx").GetInt32(), root.GetProperty("chunks").GetInt32(), root.GetProperty("tokens").GetInt32()));
        var kld = root.GetProperty("kld");
        Assert.True(kld.GetProperty("mean").GetDouble() > 0, "a rounded copy has a KLD above zero");
        foreach (var field in new[] { "meanError", "max", "p999", "p99", "p95", "p90", "median", "p10", "p5", "p1", "p001", "min" })
            Assert.Equal(JsonValueKind.Number, kld.GetProperty(field).ValueKind);
        foreach (var field in new[] { "mean", "meanError", "rms", "rmsError", "max", "p999", "p99", "p95", "p90", "p75", "median", "p25", "p10", "p5", "p1", "p001", "min" })
            Assert.Equal(JsonValueKind.Number, root.GetProperty("deltaP").GetProperty(field).ValueKind);
        Assert.InRange(root.GetProperty("sameTopFraction").GetDouble(), 0.9, 1.0);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("lnPerplexityRatio").ValueKind);
        Assert.True(root.GetProperty("base").GetProperty("perplexity").GetDouble() > 1);
        Assert.True(root.GetProperty("model").GetProperty("perplexity").GetDouble() > 1);
        Assert.Equal(ModelCopies.BrownF16, root.GetProperty("model").GetProperty("path").GetString());
        Assert.Equal("cpu", root.GetProperty("base").GetProperty("device").GetString());
    }

    [Fact]
    public void Compare_prints_llama_perplexitys_statistics_block()
    {
        var r = CliRunner.Run(null, "compare", "--base", Fixtures.BrownModel, "--model", Fixtures.BrownModel, "--text", HeldOutText, "--ctx", "32", "--chunks", "1");

        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.TrimEnd().Split('\n');
        Assert.Contains("brown-heldout.txt: 1 chunks of 32 tokens, 15 tokens scored", lines[1]);
        Assert.StartsWith("Mean PPL(Q)                   : ", lines[2]);
        Assert.Contains("Mean    KLD                   : 0.000000 ± 0.000000", lines);
        Assert.Equal("Same top p                    : 100.000% ± 0.000%", lines[^1]);
    }

    [Theory]
    [InlineData(2, "compare: missing required --text", "--base", "data/models/brown-llama-7m", "--model", "data/models/brown-llama-7m")]
    [InlineData(2, "compare: --ctx 1 is out of range; it must be [3, ", "--base", "data/models/brown-llama-7m", "--model", "data/models/brown-llama-7m", "--text", "data/text/brown-heldout.txt", "--ctx", "1")]
    [InlineData(2, "compare: unknown option --window", "--base", "data/models/brown-llama-7m", "--model", "data/models/brown-llama-7m", "--text", "data/text/brown-heldout.txt", "--window", "8")]
    [InlineData(2, "compare: --text none.txt not found", "--base", "data/models/brown-llama-7m", "--model", "data/models/brown-llama-7m", "--text", "none.txt")]
    public void Wrong_command_lines_print_one_line_and_exit_2(int exitCode, string message, params string[] args)
    {
        var r = CliRunner.Run(null, ["compare", .. args]);

        Assert.Equal(exitCode, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith("llmlab " + message, r.Stderr);
    }

    [Fact]
    public void A_text_shorter_than_one_chunk_names_the_tokens_it_needs_and_exits_1()
    {
        string text = Path.Combine(Fixtures.TempDir(), "short.txt");
        File.WriteAllText(text, "The jury said it did find that the city had been ably handled.");

        var r = CliRunner.Run(null, "compare", "--base", Fixtures.BrownModel, "--model", Fixtures.BrownModel, "--text", text, "--ctx", "512");

        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Matches($"^llmlab compare: {System.Text.RegularExpressions.Regex.Escape(text)} encodes to [0-9]+ tokens but one chunk of --ctx 512 needs 512; use a longer text or a smaller --ctx", r.Stderr);
    }

    [Fact]
    public void Models_with_different_vocabularies_are_named_in_one_line_and_exit_1()
    {
        var r = CliRunner.Run(null, "compare", "--base", Fixtures.BrownModel, "--model", Fixtures.Model("llama-tiny"), "--text", HeldOutText, "--ctx", "32");

        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains($"the base model {Fixtures.BrownModel} has a vocabulary of 4096 tokens but the model {Fixtures.Model("llama-tiny")} has 512", r.Stderr);
    }
}
