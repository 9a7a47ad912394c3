using System.Text.Json;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Cli;

/// <summary>What a newcomer hit in the first ten minutes (issue 13, item 5), each pinned by the behaviour that replaced it.</summary>
public sealed class RoughEdgeTests
{
    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    public void A_file_inside_a_model_folder_given_as_the_model_says_to_pass_the_folder(string file)
    {
        string path = Path.Combine(Fixtures.BrownModel, file);

        var r = CliRunner.Run(null, "generate", "--model", path, "--prompt", "x");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"llmlab generate: {path} is a file; a Hugging Face model is its folder: pass {Fixtures.BrownModel} (a .gguf file is a model on its own)", r.Stderr.Trim());
    }

    [Fact]
    public void Make_random_refuses_a_folder_that_is_not_empty_without_force_and_leaves_it_alone()
    {
        string dir = CommandLineRuleTests.CopyOfBrownModel();
        byte[] weights = File.ReadAllBytes(Path.Combine(dir, "model.safetensors"));

        var refused = CliRunner.Run(null, "make-random", "--preset", "tiny-llama", "--dtype", "bf16", "--out", dir);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("pass --force", refused.Stderr);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public void Make_random_with_force_replaces_the_tokenizer_so_generate_runs_on_the_new_weights()
    {
        string dir = CommandLineRuleTests.CopyOfBrownModel();

        var made = CliRunner.Run(null, "make-random", "--preset", "tiny-llama", "--dtype", "bf16", "--out", dir, "--force");
        var generated = CliRunner.Run(null, "generate", "--model", dir, "--prompt", "hello", "--max-new-tokens", "3");

        Assert.True(made.ExitCode == 0, made.Stderr);
        Assert.Equal(512, Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json")).VocabSize); // tiny-llama's vocab_size
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        Assert.StartsWith("hello", generated.Stdout);
    }

    [Fact]
    public void Make_random_shards_a_model_above_the_shard_size_with_an_index_that_inspect_reads()
    {
        string dir = Path.Combine(Fixtures.TempDir(), "sharded");

        // tiny-llama in BF16 is ~0.3 MB; 0.0001 GB (100 kB) shards split it into several files.
        var made = CliRunner.Run(null, "make-random", "--preset", "tiny-llama", "--dtype", "bf16", "--out", dir, "--max-shard-gb", "0.0001");
        var inspected = CliRunner.Run(null, "inspect", dir);

        Assert.True(made.ExitCode == 0, made.Stderr);
        var shards = Directory.GetFiles(dir, "model-*-of-*.safetensors");
        Assert.True(shards.Length > 1, string.Join(", ", shards));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.safetensors.index.json")));
        var named = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()).Distinct().Order();
        Assert.Equal(shards.Select(Path.GetFileName).Order(), named);
        Assert.True(inspected.ExitCode == 0, inspected.Stderr);
    }

    [Fact]
    public void Inspect_of_a_truncated_tokenizer_exits_1_naming_the_file()
    {
        string dir = CommandLineRuleTests.CopyOfBrownModel();
        string tokenizer = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(tokenizer, File.ReadAllText(tokenizer)[..1000]);

        var r = CliRunner.Run(null, "inspect", dir);

        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("tokenizer.json", r.Stderr);
    }

    [Fact]
    public void Inspect_of_weights_without_a_tokenizer_exits_0_and_says_what_runs()
    {
        var r = CliRunner.Run(null, "inspect", Fixtures.Model("qwen2-tiny-bf16"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("tokenizer: none (tokenizer.json absent): bench runs, generate and perplexity need one", r.Stdout);
    }
}
