using LlmLab.Measurement;

namespace LlmLab.Tests.Cli;

/// <summary>
/// The rules every <c>llmlab</c> command follows since they share one option model: exit code 2 and a
/// <c>llmlab CMD: …</c> line for a wrong command line, 1 for a bad data file, warnings for options that change
/// nothing, and help generated from the same declarations.
/// </summary>
public sealed class CommandLineRuleTests
{
    [Theory]
    [InlineData("generate", "--temperature -1 is out of range; it must be [0, 100]", "--prompt", "x", "--temperature", "-1")]
    [InlineData("generate", "--top-p 2 is out of range; it must be (0, 1]", "--prompt", "x", "--temperature", "0.8", "--top-p", "2")]
    [InlineData("generate", "--repetition-penalty 0 is out of range; it must be (0, 100]", "--prompt", "x", "--repetition-penalty", "0")]
    [InlineData("bench", "--batch 0 is out of range; it must be [1, 1024]", "--batch", "0")]
    [InlineData("bench", "--batch '1,,4' has an empty item", "--batch", "1,,4")]
    [InlineData("bench", "--batch '1,x' must be whole numbers separated by commas", "--batch", "1,x")]
    [InlineData("bench", "--new-tokens 1 is out of range; it must be [2, 1048576]", "--new-tokens", "1")]
    [InlineData("perplexity", "--window 1 is out of range; it must be [2, ", "--text", "data/text/brown-heldout.txt", "--window", "1")]
    [InlineData("bench-tokenizer", "--repetitions 0 is out of range", "--tokenizer", "t.json", "--text", "t.txt", "--repetitions", "0")]
    [InlineData("generate", "--n-gpu-layers needs a GPU device (--device cuda:N or --gpu NAME)", "--prompt", "x", "--n-gpu-layers", "2")]
    [InlineData("bench", "--n-gpu-layers 'half' must be a whole number of layers from 0 to 7 (6 layers + the output head), or all", "--device", "cuda:0", "--n-gpu-layers", "half")]
    [InlineData("generate", "--device-map and --n-gpu-layers both place the layers; give one", "--prompt", "x", "--device-map", "auto", "--n-gpu-layers", "3")]
    [InlineData("bench", "--max-memory sets the budgets of --device-map auto|balanced|balanced_low_0|sequential; give one of those with it", "--max-memory", "cpu=1GiB")]
    [InlineData("make-random", "--dtype must be one of bf16, f16, f32 (got 'int8')", "--preset", "tiny-llama", "--dtype", "int8", "--out", "/tmp/never")]
    public void Out_of_range_and_malformed_values_exit_2_with_one_line_naming_the_option(string command, string message, params string[] args)
    {
        var r = CliRunner.Run(null, [command, .. args]);

        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"llmlab {command}: {message}", line);
    }

    [Fact]
    public void Errors_found_after_parsing_keep_the_command_prefix_and_exit_2()
    {
        var r = CliRunner.Run(null, "perplexity", "--text", "no-such-file.txt");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("llmlab perplexity: --text no-such-file.txt not found", r.Stderr.Trim());
    }

    [Fact]
    public void A_truncated_tokenizer_is_a_bad_data_file_and_exits_1()
    {
        string dir = CopyOfBrownModel();
        string tokenizer = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(tokenizer, File.ReadAllText(tokenizer)[..1000]);

        var r = CliRunner.Run(null, "generate", "--model", dir, "--prompt", "The jury");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("llmlab generate: ", r.Stderr);
        Assert.Contains("tokenizer.json", r.Stderr);
    }

    [Fact]
    public void Top_p_without_temperature_warns_on_stderr_and_still_generates_greedily()
    {
        var r = CliRunner.Run(null, "generate", "--prompt", "The jury said that", "--max-new-tokens", "4", "--top-p", "0.5");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("llmlab generate: warning: --top-p has no effect without --temperature", r.Stderr.Trim());
        Assert.StartsWith("The jury said that the first day", r.Stdout);
    }

    [Fact]
    public void Top_p_with_temperature_prints_no_warning()
    {
        var r = CliRunner.Run(null, "generate", "--prompt", "The jury", "--max-new-tokens", "2", "--temperature", "0.7", "--top-p", "0.9", "--seed", "1");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("", r.Stderr.Trim());
    }

    [Fact]
    public void Help_lists_run_among_the_commands_and_the_exit_codes()
    {
        var r = CliRunner.Run(null, "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("\n  run ", r.Stdout);
        foreach (string command in new[] { "generate", "bench", "perplexity", "compare", "logits", "tokenize", "inspect", "quantize", "make-random", "bench-tokenizer", "plan" })
            Assert.Contains($"\n  {command} ", r.Stdout);
        Assert.Contains("2 a wrong command line", r.Stdout);
    }

    [Fact]
    public void Bench_help_shows_the_defaults_of_the_engines_BenchOptions()
    {
        var defaults = new BenchOptions();

        var r = CliRunner.Run(null, "bench", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Matches($@"--prompt-tokens P +.*default: {defaults.PromptTokens}\)", r.Stdout);
        Assert.Matches($@"--new-tokens N +.*default: {defaults.NewTokens}\)", r.Stdout);
        Assert.Matches($@"--repetitions R +.*default: {defaults.Repetitions}\)", r.Stdout);
        Assert.Matches($@"--warmup W +.*default: {defaults.Warmup}\)", r.Stdout);
    }

    [Fact]
    public void An_unknown_command_exits_2_and_lists_run()
    {
        var r = CliRunner.Run(null, "benchmark");

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("llmlab: unknown command 'benchmark'; commands: run, kernel, generate", r.Stderr);
    }

    [Fact]
    public void Run_with_a_wrong_command_line_exits_2_with_the_run_prefix()
    {
        var r = CliRunner.Run(null, "run", "notebooks/00-charts.dib", "--bogus");

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("llmlab run: unknown option --bogus", r.Stderr);
    }

    internal static string CopyOfBrownModel()
    {
        string dir = Fixtures.TempDir();
        foreach (string file in Directory.GetFiles(Fixtures.BrownModel)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }
}
