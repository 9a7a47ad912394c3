using System.Text.Json;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public void Logits_command_writes_f32_logits_that_match_pytorch()
    {
        string dir = Fixtures.TempDir(), input = Path.Combine(dir, "in.safetensors"), output = Path.Combine(dir, "out.safetensors");
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model("llama-tiny"), "expected.safetensors"));
        var ids = expected.Tensor("input_ids");
        SafetensorsWriter.Write(input, [TensorToWrite.FromInt64("input_ids", ids.Shape, ids.ToInt64Array())]);

        var r = CliRunner.Run(null, "logits", "--model", Fixtures.Model("llama-tiny-bf16"), "--input", input, "--output", output);

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var written = SafetensorsFile.Open(output);
        var logits = written.Tensor("logits");
        Assert.Equal([2L, 24, 512], logits.Shape);
        Assert.True(LogitComparison.Compare(logits.ToFloatArray(), expected.Tensor("logits_bf16_weights").ToFloatArray(), 512).Nmse <= 1e-9);
    }

    [Fact]
    public void Tokenize_command_reads_json_strings_and_writes_id_arrays()
    {
        string tokenizerPath = Path.Combine(Fixtures.BrownModel, "tokenizer.json");
        var texts = new[] { "The jury said", "Hello, world!" };

        var r = CliRunner.Run(JsonSerializer.Serialize(texts), "tokenize", "--tokenizer", tokenizerPath);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var tokenizer = Tokenizer.FromFile(tokenizerPath);
        Assert.Equal(texts.Select(t => tokenizer.Encode(t)).ToArray(), JsonSerializer.Deserialize<int[][]>(r.Stdout));
    }

    [Fact]
    public void Generate_uses_the_embedded_model_by_default_and_streams_the_greedy_continuation()
    {
        var r = CliRunner.Run(null, "generate", "--prompt", "The jury said that", "--max-new-tokens", "40");

        Assert.True(r.ExitCode == 0, r.Stderr);
        // The README's example. The Brown model was trained line by line with <|endoftext|> after each line, so a
        // greedy continuation ends with the sentence; "The jury said" is followed by "." and the end-of-text token at once.
        Assert.Equal("The jury said that the first day was a good one.", r.Stdout.Trim());
    }

    [Fact]
    public void Generate_runs_with_every_kv_cache_on_the_cpu_and_continues_alike()
    {
        // On the CPU the caches are where they were; with a GPU the layers there attend on the CPU (DeviceMapForwardTests
        // checks the crossing path over two CPU backends, the CUDA suite over a GPU).
        var r = CliRunner.Run(null, "generate", "--prompt", "The jury said that", "--max-new-tokens", "40", "--kv-offload", "none");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("The jury said that the first day was a good one.", r.Stdout.Trim());
    }

    [Fact]
    public void Bench_json_has_the_documented_fields()
    {
        var r = CliRunner.Run(null, "bench", "--prompt-tokens", "16", "--new-tokens", "8", "--repetitions", "2", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        foreach (var field in new[] { "ttftMs", "prefillTokensPerSecond", "decodeTokensPerSecond", "weightBytes", "bandwidthGBps", "rooflineFraction", "peakMemoryBytes" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        foreach (var p in new[] { "p50", "p90", "p99" })
            Assert.True(root.GetProperty("interTokenMs").GetProperty(p).GetDouble() > 0, p);
    }

    [Fact]
    public void Inspect_reports_the_architecture_and_exits_zero_for_a_good_model()
    {
        var r = CliRunner.Run(null, "inspect", Fixtures.Model("qwen2-tiny-bf16"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("architecture qwen2", r.Stdout);
        Assert.Contains("KV cache per token", r.Stdout);
    }

    [Fact]
    public void Inspect_of_a_git_lfs_pointer_prints_one_line_and_exits_non_zero()
    {
        string dir = Fixtures.TempDir();
        File.Copy(Path.Combine(Fixtures.Model("llama-tiny"), "config.json"), Path.Combine(dir, "config.json"));
        File.WriteAllText(Path.Combine(dir, "model.safetensors"), "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n");

        var r = CliRunner.Run(null, "inspect", dir);

        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("Git LFS pointer", r.Stderr);
    }

    [Fact]
    public void Make_random_writes_a_checkpoint_that_inspect_accepts()
    {
        string dir = Fixtures.TempDir();

        var made = CliRunner.Run(null, "make-random", "--preset", "tiny-llama", "--dtype", "bf16", "--out", dir, "--seed", "3");
        var inspected = CliRunner.Run(null, "inspect", dir);

        Assert.True(made.ExitCode == 0, made.Stderr);
        Assert.True(inspected.ExitCode == 0, inspected.Stderr);
        Assert.Contains("BF16", inspected.Stdout);
    }

    [Theory]
    [InlineData("bench", "--bogus", "1")]
    [InlineData("bench", "--new-tokens", "many")]
    [InlineData("generate")]
    [InlineData("make-random", "--preset", "gpt-5", "--dtype", "bf16", "--out", "/tmp/x")]
    [InlineData("bench", "--device", "tpu")]
    public void Wrong_options_print_one_line_and_exit_non_zero(params string[] args)
    {
        var r = CliRunner.Run(null, args);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
