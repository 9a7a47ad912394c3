using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>
/// <c>--gpu</c> predictions against arithmetic by hand from the catalog's figures (Planning/gpu-catalog.json) and the
/// stated efficiencies, for the llama-3.1-8b preset in BF16 at 4096 tokens of context.
/// </summary>
public sealed class GpuPredictionTests
{
    // Bytes one decode step reads on the GPU: BF16 matrices less the embedding table (one row read), fp32 norms, and
    // K and V (bf16) of 2048 positions (half the context) in 32 layers of 8 × 128.
    private const long Matrices = 32L * (2 * 4096 * 4096 + 2 * 1024 * 4096 + 3 * 14336 * 4096) + 2L * 128256 * 4096;
    private const long DecodeBytes = Matrices * 2 - 128256L * 4096 * 2 + 4096 * 2 + (32L * 2 * 4096 + 4096) * 4 + 2L * 32 * 1024 * 2 * 2048;
    private const double PrefillFlops = 2.0 * 32 * (2 * 4096 * 4096 + 2 * 1024 * 4096 + 3 * 14336 * 4096) + 4.0 * 32 * 4096 * 2048;

    private static ModelPlan PlanOn(string gpu) => MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", null), DeviceMap.OnDevice("cuda:0", 32), 4096, 1,
        new Dictionary<string, PlanDevice> { ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", GpuCatalog.Get(gpu)) });

    [Fact]
    public void A_measured_gpu_predicts_with_its_measured_copy_bandwidth_and_decode_fraction()
    {
        var p = PlanOn("h100-sxm").Predicted!;

        Assert.Equal(15_278_825_472, DecodeBytes);
        Assert.Equal(2980e9 * 0.934 / DecodeBytes, p.DecodeTokensPerSecond, 6);         // ≈ 182.2 tok/s
        Assert.Equal(989.5e12 * 0.50 / PrefillFlops, p.PrefillTokensPerSecond!.Value, 6);
        Assert.Equal(p.DecodeTokensPerSecond / 700, p.TokensPerJoule!.Value, 9);
        Assert.Null(p.UsdPerMillionTokens);                                               // no launch price published
    }

    [Fact]
    public void An_unmeasured_gpu_predicts_with_the_datasheet_bandwidth_and_the_stated_fractions()
    {
        var p = PlanOn("rtx-3060").Predicted!;

        double decode = 360e9 * 0.89 * 0.871 / DecodeBytes;
        Assert.Equal(decode, p.DecodeTokensPerSecond, 6);                               // ≈ 18.3 tok/s
        Assert.Equal(25.5e12 * 0.50 / PrefillFlops, p.PrefillTokensPerSecond!.Value, 6);
        Assert.Equal(decode / 170, p.TokensPerJoule!.Value, 9);
        Assert.Equal(329 / (decode * 3 * 365.25 * 86400) * 1e6, p.UsdPerMillionTokens!.Value, 9);
    }

    /// <summary>
    /// FP8 weights (<c>--quant fp8</c>: linear layers FP8 rows at a 16-byte stride, embedding and head BF16): each weight's
    /// bytes are read at its format's measured share of BF16's efficiency (<see cref="FormatEfficiency"/>, FP8 0.736 / 0.937),
    /// the KV cache at BF16's, by hand from the same figures.
    /// </summary>
    [Fact]
    public void Quantized_weights_decode_at_their_formats_measured_share_of_the_bf16_efficiency()
    {
        var p = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", QuantizationMix.Parse("fp8")), DeviceMap.OnDevice("cuda:0", 32), 4096, 1,
            new Dictionary<string, PlanDevice> { ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", GpuCatalog.Get("h100-sxm")) });

        const long Linear = 32L * (2 * 4096 * (4096 + 16) + 2 * 1024 * (4096 + 16) + 2 * 14336 * (4096 + 16) + 4096 * (14336 + 16) + 7 * 16);   // rows at their stride + 16 bytes of slack per matrix
        const long Bf16 = 128256L * 4096 * 2 + 4096 * 2;                          // head, one embedding row
        const long Other = (32L * 2 * 4096 + 4096) * 4 + 2L * 32 * 1024 * 2 * 2048;   // fp32 norms, K and V of 2048 positions
        double seconds = (Linear / (0.736 / 0.937) + Bf16 + Other) / (2980e9 * 0.934);
        Assert.Equal(1 / seconds, p.Predicted!.DecodeTokensPerSecond, 6);
        Assert.Contains("FP8 ×0.79", p.Devices[0].Predicted!.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gpu_is_checked_against_its_whole_memory_and_the_8b_in_bf16_does_not_fit_12_gib()
    {
        var plan = PlanOn("rtx-3060");
        var gpu = plan.Devices[0];

        Assert.Equal(12L << 30, gpu.FreeBytes);
        Assert.False(plan.Fits);
        Assert.StartsWith("cuda:0 (RTX 3060 12GB): needs 16.09 GiB (weights 14.96 GiB + KV cache 512.00 MiB + workspace", plan.MisfitMessage());
    }

    [Fact]
    public void Gpu_names_are_found_by_id_or_vendor_name_and_the_driver_names_the_gpus_llmlab_measured()
    {
        Assert.Same(GpuCatalog.Get("h100-sxm"), GpuCatalog.Get("H100 SXM"));
        Assert.Equal(2, GpuCatalog.Parse("rtx-4090, l4").Count);
        Assert.Equal(GpuCatalog.All.Count, GpuCatalog.Parse("all").Count);
        Assert.Equal("h100-sxm", GpuCatalog.FindByDriverName("NVIDIA H100 80GB HBM3")?.Id);
        Assert.Equal("h200-sxm", GpuCatalog.FindByDriverName("NVIDIA H200")?.Id);
        Assert.All(GpuCatalog.All, g => Assert.False(string.IsNullOrWhiteSpace(g.Source)));
    }

    [Fact]
    public void An_unknown_gpu_lists_the_catalog()
    {
        var e = Assert.Throws<InvalidOptionException>(() => GpuCatalog.Get("h900"));
        Assert.StartsWith("--gpu 'h900' is not in the GPU catalog; use one of rtx-3060, ", e.Message);
    }
}
