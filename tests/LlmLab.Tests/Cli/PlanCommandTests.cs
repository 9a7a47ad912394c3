using System.Text.Json;

namespace LlmLab.Tests.Cli;

/// <summary><c>llmlab plan</c> run as the real program: the JSON it promises, the --gpu table, and one clear line for every bad input.</summary>
public sealed class PlanCommandTests
{
    private static string OneLine(CliRunner.Result r)
    {
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Assert.Single(lines);
    }

    [Fact]
    public void Json_lists_each_device_with_its_bytes_by_category_free_memory_fit_and_predicted_speed()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--context", "8192", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var device = Assert.Single(json.RootElement.GetProperty("devices").EnumerateArray());
        Assert.Equal("cuda:0", device.GetProperty("device").GetString());
        Assert.Equal(1024L << 20, device.GetProperty("kvCacheBytes").GetInt64());
        long sum = device.GetProperty("weightsBytes").GetInt64() + device.GetProperty("kvCacheBytes").GetInt64()
            + device.GetProperty("workspaceBytes").GetInt64() + device.GetProperty("overheadBytes").GetInt64();
        Assert.Equal(sum, device.GetProperty("totalBytes").GetInt64());
        Assert.True(device.GetProperty("freeBytes").GetInt64() > sum);
        Assert.True(device.GetProperty("fits").GetBoolean());
        Assert.InRange(json.RootElement.GetProperty("predicted").GetProperty("decodeTokensPerSecond").GetDouble(), 150, 200);
        Assert.True(json.RootElement.GetProperty("predicted").GetProperty("prefillTokensPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void A_cpu_plan_predicts_prefill_and_the_ttft_of_its_prompt_in_json_and_text()
    {
        var r = CliRunner.Run(null, "plan", "--model", "tiny-llama", "--device", "cpu", "--context", "256", "--prompt-tokens", "32", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        Assert.Equal(32, json.RootElement.GetProperty("promptTokens").GetInt32());
        var predicted = json.RootElement.GetProperty("predicted");
        Assert.True(predicted.GetProperty("decodeTokensPerSecond").GetDouble() > 0);
        Assert.True(predicted.GetProperty("prefillTokensPerSecond").GetDouble() > 0);
        Assert.True(predicted.GetProperty("ttftMs").GetDouble() > 0);
        Assert.Contains("matmul probe BF16", predicted.GetProperty("prefillBasis").GetString());

        var text = CliRunner.Run(null, "plan", "--model", "tiny-llama", "--device", "cpu", "--context", "256");
        Assert.Matches(@"predicted TTFT [\d.]+ ms for a prompt of 256 tokens", text.Stdout);   // the default: 512 or the context when shorter
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_one_line_naming_both()
    {
        var r = CliRunner.Run(null, "plan", "--model", "tiny-llama", "--context", "256", "--prompt-tokens", "300");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("llmlab plan: --prompt-tokens 300 must be at most the context (256); give a longer --context or a shorter prompt", OneLine(r));
    }

    [Fact]
    public void The_gpu_table_has_a_row_per_gpu_and_precision()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3060,h200-sxm");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"RTX 3060 12GB +BF16 +16\.09 GiB +no +0 ", r.Stdout);
        Assert.Matches(@"RTX 3060 12GB +Q4_K_M +\S+ GiB +yes ", r.Stdout);
        Assert.Matches(@"H200 SXM +BF16 +16\.09 GiB +yes +131072 ", r.Stdout);
    }

    [Fact]
    public void A_map_that_cannot_fit_fails_with_one_line_naming_the_device_need_free_and_what_fits()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3060");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("llmlab plan: cuda:0 (RTX 3060 12GB): needs 16.09 GiB (weights 14.96 GiB + KV cache 512.00 MiB + workspace 91.54 MiB + " +
                     "runtime overhead 560.00 MiB), 12.00 GiB free of 12.00 GiB: fits with --n-gpu-layers 25, or --quant Q8_0", OneLine(r));
        Assert.Equal(0, CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3060", "--n-gpu-layers", "25").ExitCode);
        Assert.Equal(1, CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3060", "--n-gpu-layers", "26").ExitCode);
    }

    [Theory]
    [InlineData("--model|llama-9b", "llmlab plan: --model 'llama-9b' is neither a preset (tiny-llama, ")]
    [InlineData("--model|llama-3.1-8b|--gpu|h900", "llmlab plan: --gpu 'h900' is not in the GPU catalog; use one of rtx-3060, ")]
    [InlineData("--model|llama-3.1-8b|--gpu|rtx-4090,", "llmlab plan: --gpu 'rtx-4090,' has an empty name")]
    [InlineData("--model|llama-3.1-8b|--context|-5", "llmlab plan: --context")]
    [InlineData("--model|llama-3.1-8b|--context|0", "llmlab plan: --context")]
    [InlineData("--model|llama-3.1-8b|--context|99999999999", "llmlab plan: --context")]
    [InlineData("--model|llama-3.1-8b|--context|200000", "llmlab plan: --context 200000 must be between 1 and the model's max_position_embeddings (131072)")]
    [InlineData("--model|llama-3.1-8b|--gpu|l4|--n-gpu-layers|abc", "llmlab plan: --n-gpu-layers 'abc' must be a whole number of layers from 0 to 33 (32 layers + the output head), or all")]
    [InlineData("--model|llama-3.1-8b|--gpu|l4|--n-gpu-layers|-3", "llmlab plan: --n-gpu-layers '-3' must be a whole number")]
    [InlineData("--model|llama-3.1-8b|--n-gpu-layers|8", "llmlab plan: --n-gpu-layers needs a GPU device")]
    [InlineData("--model|llama-3.1-8b|--device|tpu:0", "llmlab plan: device 'tpu:0' is not known; use cpu, cuda or cuda:N")]
    [InlineData("--model|llama-3.1-8b|--quant|Q9_K", "llmlab plan: --type/--quant 'Q9_K' is not a quantization LlmLab writes")]
    public void Bad_input_is_one_line_and_exit_code_2(string args, string start)
    {
        var r = CliRunner.Run(null, ["plan", .. args.Split('|')]);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(start, OneLine(r));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_bare_config_json_is_planned_like_its_checkpoint()
    {
        string dir = Fixtures.TempDir();
        try
        {
            File.Copy(Path.Combine(Fixtures.BrownModel, "config.json"), Path.Combine(dir, "config.json"));
            var bare = CliRunner.Run(null, "plan", "--model", Path.Combine(dir, "config.json"), "--quant", "Q8_0", "--json");
            var real = CliRunner.Run(null, "plan", "--model", Fixtures.BrownModel, "--quant", "Q8_0", "--json");

            Assert.True(bare.ExitCode == 0, bare.Stderr);
            static long Weights(string json) => JsonDocument.Parse(json).RootElement.GetProperty("devices")[0].GetProperty("weightsBytes").GetInt64();
            Assert.Equal(Weights(real.Stdout), Weights(bare.Stdout));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Bench_json_sets_the_planned_bytes_beside_the_measured_ledger()
    {
        var r = CliRunner.Run(null, "bench", "--prompt-tokens", "16", "--new-tokens", "8", "--repetitions", "1", "--warmup", "0", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var (planned, measured) = (json.RootElement.GetProperty("planned"), json.RootElement.GetProperty("memory"));
        Assert.Equal(measured.GetProperty("weightBytes").GetInt64(), planned.GetProperty("weightsBytes").GetInt64());
        Assert.Equal(measured.GetProperty("kvCacheBytes").GetInt64(), planned.GetProperty("kvCacheBytes").GetInt64());
        Assert.Equal(measured.GetProperty("activationBytes").GetInt64() + measured.GetProperty("otherBytes").GetInt64(), planned.GetProperty("workspaceBytes").GetInt64());
        Assert.True(json.RootElement.GetProperty("predictedDecodeTokensPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Inspect_prints_the_plan_on_the_cpu_and_puts_it_in_its_json()
    {
        var text = CliRunner.Run(null, "inspect", "--context", "512");
        var json = CliRunner.Run(null, "inspect", "--context", "512", "--json");

        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("memory plan for 1 × 512 tokens on cpu", text.Stdout);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(2L * 6 * 128 * 4 * 512, doc.RootElement.GetProperty("plan").GetProperty("devices")[0].GetProperty("kvCacheBytes").GetInt64()); // Brown: 6 layers, 4 KV heads of 32, fp32
    }

    [Fact]
    public void Inspect_plans_the_kv_cache_in_the_kv_type_asked()
    {
        var json = CliRunner.Run(null, "inspect", "--context", "512", "--kv-type", "q8_0", "--json");

        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        // Brown: 6 layers × K and V × 4 KV heads of 32 elements, one Q8_0 block (34 bytes) per head, 512 tokens.
        Assert.Equal(6L * 2 * 4 * 34 * 512, doc.RootElement.GetProperty("plan").GetProperty("devices")[0].GetProperty("kvCacheBytes").GetInt64());
    }
}
