using System.Text.Json;

namespace LlmLab.Tests.Cli;

/// <summary>
/// <c>--kv-type</c> on the real program: every command that loads a model takes it, a bad value exits 2 with one line,
/// <c>plan</c> sizes the KV cache by the type's block geometry, and a model runs with a quantized cache.
/// </summary>
public sealed class KvTypeOptionTests
{
    public static TheoryData<string[]> LoadingCommands => new()
    {
        new[] { "generate", "--prompt", "x" },
        new[] { "perplexity", "--text", "data/text/brown-heldout.txt" },
        new[] { "bench" },
        new[] { "logits", "--model", "data/models/brown-llama-7m", "--input", "in.safetensors", "--output", "out.safetensors" },
        new[] { "compare", "--base", "data/models/brown-llama-7m", "--model", "data/models/brown-llama-7m", "--text", "data/text/brown-heldout.txt" },
        new[] { "plan", "--model", "data/models/brown-llama-7m" },
    };

    [Theory]
    [MemberData(nameof(LoadingCommands))]
    public void An_unknown_kv_type_exits_2_with_one_line_naming_the_option_and_the_choices(string[] command)
    {
        var r = CliRunner.Run(null, [.. command, "--kv-type", "q3_k"]);

        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"llmlab {command[0]}: ", line);
        Assert.Contains("--kv-type", line);
        Assert.Contains("q8_0", line);
    }

    [Fact]
    public void Plan_sizes_a_q8_0_kv_cache_at_34_bytes_per_32_elements()
    {
        // llama-3.1-8b: 32 layers, 8 KV heads × 128 → a row of 1024 elements, 32 blocks of 34 bytes, for K and V.
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--context", "8192", "--kv-type", "q8_0", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var device = Assert.Single(json.RootElement.GetProperty("devices").EnumerateArray());
        Assert.Equal(32L * 2 * (1024 / 32 * 34) * 8192, device.GetProperty("kvCacheBytes").GetInt64());
    }

    [Fact]
    public void Plan_sizes_a_q4_0_cpu_kv_cache_at_18_bytes_per_32_elements()
    {
        // The Brown model: 6 layers, 4 KV heads × 32 → 4 blocks of 18 bytes per row.
        var r = CliRunner.Run(null, "plan", "--model", "data/models/brown-llama-7m", "--context", "1000", "--kv-type", "q4_0", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var device = Assert.Single(json.RootElement.GetProperty("devices").EnumerateArray());
        Assert.Equal(6L * 2 * (4 * 18) * 1000, device.GetProperty("kvCacheBytes").GetInt64());
    }

    [Fact]
    public void Generate_with_an_f32_kv_cache_writes_the_default_text_and_with_q8_0_runs()
    {
        string[] generate = ["generate", "--prompt", "The jury said", "--max-new-tokens", "8"];
        var plain = CliRunner.Run(null, generate);
        var f32 = CliRunner.Run(null, [.. generate, "--kv-type", "f32"]);
        var q8 = CliRunner.Run(null, [.. generate, "--kv-type", "q8_0"]);

        Assert.True(plain.ExitCode == 0 && f32.ExitCode == 0 && q8.ExitCode == 0, plain.Stderr + f32.Stderr + q8.Stderr);
        Assert.Equal(plain.Stdout, f32.Stdout);
        Assert.StartsWith("The jury said", q8.Stdout.TrimStart());
    }
}
