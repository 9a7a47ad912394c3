using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Tests.Planning;

/// <summary>
/// The CPU prefill and time-to-first-token prediction against arithmetic by hand, for the llama-3.2-1b preset in BF16
/// (config as the Hub has it: hidden 2048, MLP 8192, 16 layers, 32 query and 8 KV heads of 64, vocabulary 128256, head
/// tied to the embedding). Rates are given, not probed, so nothing here depends on the machine's speed.
/// </summary>
public sealed class CpuPrefillPredictionTests
{
    // Matrices of one layer: q and o 2048², k and v 512 × 2048, gate, up and down 8192 × 2048.
    private const long LayerWeights = 2L * 2048 * 2048 + 2L * 512 * 2048 + 3L * 8192 * 2048;
    // The tied head reads the BF16 embedding table; the final norm is 2048 BF16 values.
    private const long HeadBytes = 128256L * 2048 * 2 + 2048 * 2;

    private static readonly PlanModel Model = PlanModel.Resolve("llama-3.2-1b", null);

    // Attention: QKᵀ and PV, 2 FLOPs per multiply-add each, over 32 heads × 64 at half the context on average.
    private static double FlopsPerToken(int context) => 2.0 * 16 * LayerWeights + 4.0 * 16 * 2048 * (context / 2.0);

    private static CpuPrefillRate Rate(double flopsPerSecond) => new([new CpuFormatProbe(TensorFormat.BF16, 8192, 2048, 32, 1.0, flopsPerSecond)], flopsPerSecond);

    [Fact]
    public void Flops_per_prompt_token_are_two_per_layer_weight_plus_attention_over_half_the_context()
    {
        Assert.Equal(973_078_528, 16 * LayerWeights);
        Assert.Equal(FlopsPerToken(32), MemoryPlanner.PrefillFlopsPerToken(Model, 32));   // 1.948 GFLOP
        Assert.Equal(FlopsPerToken(4096), MemoryPlanner.PrefillFlopsPerToken(Model, 4096));
    }

    [Fact]
    public void The_head_read_for_the_first_token_is_the_tied_embedding_table_and_the_final_norm()
    {
        Assert.Equal(HeadBytes, PrefillPrediction.HeadBytes(Model));
    }

    [Fact]
    public void Ttft_is_the_prompts_flops_at_the_rate_plus_the_head_read()
    {
        // 4 sequences of 32 tokens at 2 GFLOP each and 50 GFLOP/s = 5.12 s, plus 25 ms for the head.
        Assert.Equal(5145.0, PrefillPrediction.TtftMs(32, 4, 2e9, 50e9, 25.0), 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => PrefillPrediction.TtftMs(0, 1, 2e9, 50e9, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PrefillPrediction.TtftMs(32, 1, 2e9, 0, 0));
    }

    [Fact]
    public void Formats_combine_as_their_flop_shares_at_their_own_rates()
    {
        CpuFormatProbe[] probes =
        [
            new(TensorFormat.Q4_K, 8192, 2048, 16, 0.75, 60e9),
            new(TensorFormat.Q6_K, 2048, 8192, 16, 0.25, 30e9),
        ];

        // 0.75 / 60 + 0.25 / 30 = 1 / 48 ns per FLOP.
        Assert.Equal(48e9, CpuPrefillRate.Combine(probes), 3);
    }

    [Fact]
    public void The_probe_times_each_distinct_layer_matrix_shape_at_its_share_of_the_flops()
    {
        // The 1B's four shapes: gate/up [8192, 2048] 2 × 8192 × 2048 of the layer's weights, down [2048, 8192] one,
        // q/o [2048, 2048] two, k/v [512, 2048] two (a rate per shape: a product's speed depends on its k and rows).
        var rate = CpuPrefillRate.Measure(Model, xRows: 4, budgetPerShape: TimeSpan.FromMilliseconds(1));

        var shapes = rate.Probes.Select(p => (p.Format, p.Cols, p.FlopShare)).ToArray();
        Assert.Equal(
            [(TensorFormat.BF16, 2048, 2.0 * 8192 * 2048 / LayerWeights), (TensorFormat.BF16, 8192, 8192.0 * 2048 / LayerWeights),
             (TensorFormat.BF16, 2048, 2.0 * 2048 * 2048 / LayerWeights), (TensorFormat.BF16, 2048, 2.0 * 512 * 2048 / LayerWeights)],
            shapes);
        Assert.All(rate.Probes, p => Assert.True(p.FlopsPerSecond > 0 && p.XRows == 4));
        Assert.Equal(CpuPrefillRate.Combine(rate.Probes), rate.ProbeFlopsPerSecond);
        Assert.Contains("W [2048, 8192] × 4 rows", rate.Basis);
    }

    [Fact]
    public void A_cpu_plan_predicts_prefill_and_ttft_from_the_probe_times_the_stated_fraction_and_the_head_at_decode_bandwidth()
    {
        var cpu = PlanDevice.ForCpu(64L << 30, 64L << 30, copyBytesPerSecond: 20e9, Rate(80e9));

        var plan = MemoryPlanner.Plan(Model, DeviceMap.OnDevice("cpu", 16), 4096, 1, new Dictionary<string, PlanDevice> { ["cpu"] = cpu }, promptTokens: 512);

        double rate = 80e9 * PlanDevice.CpuPrefillFractionOfProbe;
        var p = plan.Predicted!;
        Assert.Equal(512, plan.PromptTokens);
        Assert.Equal(rate / FlopsPerToken(4096), p.PrefillTokensPerSecond!.Value, 6);
        double headMs = HeadBytes / (20e9 * PlanDevice.CpuDecodeFractionOfCopy) * 1e3;
        Assert.Equal(512 * FlopsPerToken(512) / rate * 1e3 + headMs, p.TtftMs!.Value, 6);
        Assert.Contains("LlmLab's CPU prefill fraction", p.PrefillBasis);
        Assert.Contains("predicted TTFT", plan.Describe());
    }

    /// <summary>
    /// CPU decode: Q8_0, Q4_K and Q6_K bytes at their measured share of BF16's efficiency on this repository's CPU
    /// (<see cref="FormatEfficiency"/>: 0.99, 0.85, 0.85), the KV cache and float weights at BF16's.
    /// </summary>
    [Fact]
    public void On_the_cpu_k_quant_weights_decode_at_their_measured_share_of_the_bf16_efficiency()
    {
        // 850 bytes of Q4_K, 100 of BF16 and 50 of KV read in the time BF16 kernels read 850 / 0.85 + 150.
        Assert.Equal(1000.0 / 1150.0, FormatEfficiency.Multiplier([(TensorFormat.Q4_K, 850), (TensorFormat.BF16, 100)], 50, gpu: false), 12);
        Assert.Equal(1.0, FormatEfficiency.Multiplier([(TensorFormat.BF16, 100)], 50, gpu: false));
        Assert.Equal(0.99, FormatEfficiency.Relative(TensorFormat.Q8_0, gpu: false));

        var cpu = PlanDevice.ForCpu(64L << 30, 64L << 30, copyBytesPerSecond: 20e9, Rate(80e9));
        var devices = new Dictionary<string, PlanDevice> { ["cpu"] = cpu };
        var q4km = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.2-1b", QuantizationMix.Parse("Q4_K_M")), DeviceMap.OnDevice("cpu", 16), 4096, 1, devices);
        var speed = q4km.Devices[0].Predicted!;
        Assert.Contains("Q4_K ×0.85", speed.Basis, StringComparison.Ordinal);
        Assert.Contains("Q6_K ×0.85", speed.Basis, StringComparison.Ordinal);
        // Below the copy roofline × the CPU's BF16 fraction for the same bytes, above it × 0.85 (the KV and float bytes).
        double roofline = 20e9 * PlanDevice.CpuDecodeFractionOfCopy / speed.BytesPerToken;
        Assert.InRange(q4km.Predicted!.DecodeTokensPerSecond, 0.85 * roofline, 0.999 * roofline);
    }

    [Fact]
    public void A_plan_without_a_prompt_or_without_a_cpu_rate_predicts_no_ttft()
    {
        var devices = new Dictionary<string, PlanDevice> { ["cpu"] = PlanDevice.ForCpu(64L << 30, 64L << 30, 20e9) };

        var noRate = MemoryPlanner.Plan(Model, DeviceMap.OnDevice("cpu", 16), 4096, 1, devices, promptTokens: 512).Predicted!;
        var noPrompt = MemoryPlanner.Plan(Model, DeviceMap.OnDevice("cpu", 16), 4096, 1,
            new Dictionary<string, PlanDevice> { ["cpu"] = PlanDevice.ForCpu(64L << 30, 64L << 30, 20e9, Rate(80e9)) }).Predicted!;

        Assert.Null(noRate.PrefillTokensPerSecond);
        Assert.Null(noRate.TtftMs);
        Assert.NotNull(noPrompt.PrefillTokensPerSecond);
        Assert.Null(noPrompt.TtftMs);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused_naming_both()
    {
        var devices = new Dictionary<string, PlanDevice> { ["cpu"] = PlanDevice.ForCpu(64L << 30, 64L << 30, 20e9) };

        var e = Assert.Throws<InvalidOptionException>(() => MemoryPlanner.Plan(Model, DeviceMap.OnDevice("cpu", 16), 1024, 1, devices, promptTokens: 2048));

        Assert.Equal("--prompt-tokens 2048 must be between 1 and the context (1024)", e.Message);
    }

    [Fact]
    public void A_catalog_gpu_plan_gives_a_ttft_from_its_tensor_throughput()
    {
        var gpu = GpuCatalog.Get("h100-sxm");
        var plan = MemoryPlanner.Plan(Model, DeviceMap.OnDevice("cuda:0", 16), 4096, 1,
            new Dictionary<string, PlanDevice> { ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", gpu) }, promptTokens: 512);

        double rate = 989.5e12 * MemoryPlanner.PrefillFractionOfPeak;
        // On the GPU the tied head is held in BF16 (as stored) and the final norm in fp32.
        long headBytes = 128256L * 2048 * 2 + 2048 * 4;
        double headMs = headBytes / (2980e9 * 0.934) * 1e3;
        Assert.Equal(512 * FlopsPerToken(512) / rate * 1e3 + headMs, plan.Predicted!.TtftMs!.Value, 6);
    }
}
