using System.Text.Json;

namespace LlmLab.Tests.Cli;

/// <summary>
/// <c>llmlab plan</c> with device maps, run as the real program over catalog GPUs (CI has none): each form's table and
/// JSON, and one clear line with exit code 2 for every malformed map or conflicting option.
/// </summary>
public sealed class PlanDeviceMapCommandTests
{
    private static string OneLine(CliRunner.Result r)
    {
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Assert.Single(lines);
    }

    [Fact]
    public void Auto_over_two_catalog_gpus_lists_both_devices_and_the_map_in_json()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm,h100-sxm", "--device-map", "auto", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToArray();
        Assert.Equal(["cuda:0", "cuda:1"], devices.Select(d => d.GetProperty("device").GetString()));
        foreach (var d in devices)
        {
            long sum = d.GetProperty("weightsBytes").GetInt64() + d.GetProperty("kvCacheBytes").GetInt64()
                + d.GetProperty("workspaceBytes").GetInt64() + d.GetProperty("overheadBytes").GetInt64();
            Assert.Equal(sum, d.GetProperty("totalBytes").GetInt64());
            Assert.True(d.GetProperty("fits").GetBoolean());
            Assert.True(d.GetProperty("freeBytes").GetInt64() > sum);
            Assert.True(d.GetProperty("predicted").GetProperty("msPerToken").GetDouble() > 0);
        }
        Assert.Equal("embedding on cuda:0, layers 0-16 on cuda:0, 17-31 on cuda:1, output on cuda:1", json.RootElement.GetProperty("map").GetString());
    }

    [Fact]
    public void Max_memory_caps_each_gpu_and_the_rest_goes_to_the_cpu()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3090,rtx-3090", "--device-map", "sequential",
            "--max-memory", "cuda:0=4GiB,cuda:1=4GiB", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("device").GetString()!);
        Assert.Equal(4L << 30, devices["cuda:0"].GetProperty("freeBytes").GetInt64());   // the budget, below the card's 24 GiB
        Assert.True(devices["cuda:0"].GetProperty("totalBytes").GetInt64() <= 4L << 30);
        Assert.True(devices["cuda:1"].GetProperty("totalBytes").GetInt64() <= 4L << 30);
        Assert.True(devices["cpu"].GetProperty("layers").GetInt32() > 0);
    }

    [Fact]
    public void Tensor_split_prints_llama_cpps_layer_split_and_each_device()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3090,rtx-3090", "--tensor-split", "3,1");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("embedding on cpu, layers 0-24 on cuda:0, 25-31 on cuda:1, output on cuda:1", r.Stdout);
        Assert.Matches(@"cuda:0 \(RTX 3090\), 25 layers: ", r.Stdout);
        Assert.Matches(@"cuda:1 \(RTX 3090\), 7 layers: ", r.Stdout);
    }

    [Fact]
    public void Kv_offload_none_moves_every_kv_cache_to_the_cpu()
    {
        var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--kv-offload", "none", "--context", "8192", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("device").GetString()!);
        Assert.Equal(0, devices["cuda:0"].GetProperty("kvCacheBytes").GetInt64());
        Assert.Equal(2L * 32 * 1024 * 4 * 8192, devices["cpu"].GetProperty("kvCacheBytes").GetInt64());
        Assert.EndsWith("; KV cache on cpu", json.RootElement.GetProperty("map").GetString());
    }

    [Fact]
    public void A_json_map_is_planned_and_a_misfit_names_the_device_and_the_map_that_fits()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string file = Path.Combine(dir, "map.json");
            File.WriteAllText(file, """{"embed": "cuda:0", "layers.0-15": "cuda:0", "layers.16-31": "cuda:1", "norm": "cuda:1", "head": "cuda:1"}""");

            var fits = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3060,rtx-3060", "--device-map", file);
            var misfit = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "rtx-3060,rtx-3060", "--device-map", file, "--context", "65536");

            Assert.True(fits.ExitCode == 0, fits.Stderr);
            Assert.Contains("embedding on cuda:0, layers 0-15 on cuda:0, 16-31 on cuda:1, output on cuda:1", fits.Stdout);
            Assert.Equal(1, misfit.ExitCode);
            Assert.Matches(@"^llmlab plan: cuda:0 \(RTX 3060 12GB\): needs .* 12\.00 GiB free of 12\.00 GiB: fits with --device-map auto \(embedding on cuda:0, layers .* on cpu, output on cpu\)", OneLine(misfit));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--gpu|l4,l4|--device-map|auto|--n-gpu-layers|20", "llmlab plan: --device-map and --n-gpu-layers both place the layers; give one")]
    [InlineData("--gpu|l4,l4|--device-map|auto|--tensor-split|1,1", "llmlab plan: --device-map and --tensor-split both place the layers; give one")]
    [InlineData("--device|cuda:0|--device-map|auto", "llmlab plan: --device cuda:0 puts everything on one device; with --device-map leave it out")]
    [InlineData("--gpu|l4|--max-memory|cuda:0=10GiB", "llmlab plan: --max-memory sets the budgets of --device-map auto|balanced|balanced_low_0|sequential; give one of those with it")]
    [InlineData("--gpu|l4|--device-map|cuda:0|--max-memory|cuda:0=10GiB", "llmlab plan: --max-memory sets the budgets of --device-map auto|balanced|balanced_low_0|sequential; give one of those with it (--device-map cuda:0 places the layers itself)")]
    [InlineData("--gpu|l4,l4|--device-map|auto|--max-memory|cuda:0=10", "llmlab plan: --max-memory entry 'cuda:0=10': size '10' needs a unit")]
    [InlineData("--gpu|l4,l4|--device-map|auto|--max-memory|cuda:2=10GiB", "llmlab plan: --max-memory entry 'cuda:2=10GiB': device 'cuda:2' is beyond the 2 GPUs given")]
    [InlineData("--gpu|l4,l4|--device-map|auto|--max-memory|cuda:0=1GiB,cuda:0=2GiB", "llmlab plan: --max-memory names cuda:0 twice")]
    [InlineData("--gpu|l4,l4|--tensor-split|0,0", "llmlab plan: --tensor-split '0,0': every proportion is 0")]
    [InlineData("--gpu|l4,l4|--tensor-split|1,-1", "llmlab plan: --tensor-split '1,-1': proportion -1 must be a finite number ≥ 0")]
    [InlineData("--gpu|l4|--tensor-split|1,1", "llmlab plan: --tensor-split '1,1' gives 2 proportions but 1 GPU is given")]
    [InlineData("--gpu|l4,l4|--device-map|cuda:5", "llmlab plan: --device-map: device 'cuda:5' is beyond the 2 GPUs given (cuda:0 … cuda:1: ")]
    [InlineData("--gpu|l4,l4|--device-map|tpu:0", "llmlab plan: --device-map: device 'tpu:0' is not known; use cpu, cuda or cuda:N")]
    [InlineData("--gpu|l4,l4|--device-map|no-such-map.json", "llmlab plan: --device-map 'no-such-map.json' is neither auto, balanced, balanced_low_0, sequential, a device, nor an existing JSON file")]
    [InlineData("--gpu|all|--device-map|auto", "llmlab plan: --gpu all prints a table of single GPUs; with a device map name the machine's GPUs in order")]
    [InlineData("--gpu|l4|--kv-offload|some", "llmlab plan: --kv-offload")]
    public void A_malformed_map_or_conflicting_options_are_one_line_and_exit_code_2(string args, string start)
    {
        var r = CliRunner.Run(null, ["plan", "--model", "llama-3.1-8b", .. args.Split('|')]);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(start, OneLine(r));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_bad_json_map_file_is_named_in_its_one_line()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string file = Path.Combine(dir, "map.json");
            File.WriteAllText(file, """{"embed": "cuda:0", "layers.0-15": "cuda:0" """);

            var r = CliRunner.Run(null, "plan", "--model", "llama-3.1-8b", "--gpu", "l4,l4", "--device-map", file);

            Assert.Equal(2, r.ExitCode);
            Assert.StartsWith($"llmlab plan: {file} is not valid JSON (line 1, byte ", OneLine(r));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
