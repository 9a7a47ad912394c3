using LlmLab.Models;
using LlmLab.Planning;

namespace LlmLab.Tests.Planning;

/// <summary>
/// Plans of the llama-3.1-8b preset (config from the Hub: hidden 4096, intermediate 14336, 32 layers, 32 heads, 8 KV
/// heads of 128, vocabulary 128256, untied head) against bytes computed by hand, and against what llama.cpp prints for
/// Llama-3-8B (the project's shared source list: BF16 14.96 GiB, Q4_K_M 4.58 GiB at 4.89 bits per weight, KV cache
/// 1024 MiB in f16 at 8192 tokens).
/// </summary>
public sealed class PresetPlanTests
{
    private const long Hidden = 4096, Intermediate = 14336, KvDim = 8 * 128, Vocab = 128256, Layers = 32;
    private const long LayerMatrixElements = 2 * Hidden * Hidden + 2 * KvDim * Hidden + 3 * Intermediate * Hidden; // q, o, k, v, gate, up, down
    private const long VectorElements = Layers * 2 * Hidden + Hidden;                                             // norms
    private const long TableElements = Vocab * Hidden;                                                           // embedding, and the head

    private static readonly Dictionary<string, PlanDevice> NoDeviceFigures = [];

    [Fact]
    public void The_bf16_preset_on_the_cpu_holds_the_stored_bytes_of_every_tensor()
    {
        var plan = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", null), DeviceMap.OnDevice("cpu", 32), 8192, 1, NoDeviceFigures);
        var cpu = plan.Devices[0];

        long weights = (Layers * LayerMatrixElements + 2 * TableElements + VectorElements) * 2;
        Assert.Equal(16_060_522_496, weights);
        Assert.Equal(weights, cpu.WeightsBytes);
        Assert.Equal(14.96, cpu.WeightsBytes / (double)(1L << 30), 2);                    // llama.cpp's print
        Assert.Equal(2 * Layers * KvDim * sizeof(float) * 8192, cpu.KvCacheBytes);         // the CPU keeps K and V in fp32
    }

    [Fact]
    public void The_bf16_preset_on_a_gpu_keeps_vectors_in_fp32_and_a_16_bit_kv_cache()
    {
        var plan = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", null), DeviceMap.OnDevice("cuda:0", 32), 8192, 1, NoDeviceFigures);
        var gpu = plan.Devices[0];

        Assert.Equal((Layers * LayerMatrixElements + 2 * TableElements) * 2 + VectorElements * 4, gpu.WeightsBytes);
        Assert.Equal(1024L << 20, gpu.KvCacheBytes);                                      // llama.cpp: 1024 MiB in f16 at 8192
        Assert.Equal(MemoryPlanner.GpuRuntimeOverheadBytes, gpu.OverheadBytes);
    }

    [Fact]
    public void The_q4_k_m_preset_is_the_mix_llama_cpp_writes_to_the_byte()
    {
        var plan = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", QuantizationMix.Parse("Q4_K_M")), DeviceMap.OnDevice("cpu", 32), 4096, 1, NoDeviceFigures);

        // Q4_K: 144 bytes per 256 weights; Q6_K: 210. Q6_K for the head and for attn_v and ffn_down of the 16 layers
        // use_more_bits picks (0-3, 28-31 and every third between: 6, 9, …, 27); norms in F32.
        static long Q4K(long n) => n / 256 * 144;
        static long Q6K(long n) => n / 256 * 210;
        long weights = Q4K(TableElements) + Q6K(TableElements) + VectorElements * 4;
        for (int l = 0; l < Layers; l++)
        {
            bool more = QuantizationMix.UseMoreBits(l, (int)Layers);
            weights += 2 * Q4K(Hidden * Hidden) + Q4K(KvDim * Hidden) + (more ? Q6K(KvDim * Hidden) : Q4K(KvDim * Hidden))
                + 2 * Q4K(Intermediate * Hidden) + (more ? Q6K(Intermediate * Hidden) : Q4K(Intermediate * Hidden));
        }

        Assert.Equal(4_912_898_048, weights);
        Assert.Equal(weights, plan.Devices[0].WeightsBytes);
        Assert.Equal(4.58, weights / (double)(1L << 30), 2);                               // llama.cpp's print
        Assert.Equal(4.89, plan.BitsPerWeight, 2);
    }

    [Fact]
    public void Sixteen_gpu_layers_put_the_head_and_the_last_fifteen_layers_on_the_gpu()
    {
        var map = DeviceMap.GpuLayers("cuda:0", 16, 32);
        var plan = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", null), map, 4096, 1, NoDeviceFigures);
        var (cpu, gpu) = (plan.Devices.Single(d => d.Device == "cpu"), plan.Devices.Single(d => d.Device == "cuda:0"));

        Assert.Equal("cpu", map.Embedding);
        Assert.Equal("cuda:0", map.Output);
        Assert.Equal(17, cpu.Layers);
        Assert.Equal(15, gpu.Layers);
        Assert.Equal((17 * LayerMatrixElements + TableElements + 17 * 2 * Hidden) * 2, cpu.WeightsBytes);
        Assert.Equal((15 * LayerMatrixElements + TableElements) * 2 + (15 * 2 * Hidden + Hidden) * 4, gpu.WeightsBytes);
        Assert.Equal(2 * 15 * KvDim * 2 * 4096, gpu.KvCacheBytes);
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(1, 0, true)]
    [InlineData(33, 32, true)]
    public void N_gpu_layers_counts_the_head_as_a_layer_offloaded_first(int n, int layersOnGpu, bool headOnGpu)
    {
        var map = DeviceMap.GpuLayers("cuda:0", n, 32);
        Assert.Equal(layersOnGpu, map.Layers.Count(l => l == "cuda:0"));
        Assert.Equal(headOnGpu ? "cuda:0" : "cpu", map.Output);
        Assert.Equal("cpu", map.Embedding);
    }

    [Fact]
    public void A_tied_head_on_the_gpu_is_a_copy_of_the_table_the_cpu_also_keeps()
    {
        var model = PlanModel.Resolve("llama-3.2-1b", null);
        var plan = MemoryPlanner.Plan(model, DeviceMap.GpuLayers("cuda:0", 1, 16), 1024, 1, NoDeviceFigures);
        long table = 128256L * 2048;

        Assert.Equal(table * 2 + 2048 * 4, plan.Devices.Single(d => d.Device == "cuda:0").WeightsBytes); // head (bf16) + final norm (fp32)
        Assert.True(plan.Devices.Single(d => d.Device == "cpu").WeightsBytes > table * 2);
    }

    [Fact]
    public void The_longest_context_is_the_last_that_fits()
    {
        var model = PlanModel.Resolve("llama-3.1-8b", null);
        var devices = new Dictionary<string, PlanDevice> { ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", GpuCatalog.Get("rtx-4090")) };
        var map = DeviceMap.OnDevice("cuda:0", 32);

        int longest = MemoryPlanner.MaxContext(model, map, 1, devices);

        Assert.InRange(longest, 1, 131071);
        Assert.True(MemoryPlanner.Plan(model, map, longest, 1, devices).Fits);
        Assert.False(MemoryPlanner.Plan(model, map, longest + 1, 1, devices).Fits);
    }

    [Fact]
    public void A_q4_k_m_preset_on_a_gpu_holds_its_blocks_and_the_dequantization_workspace()
    {
        var bf16 = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", null), DeviceMap.OnDevice("cuda:0", 32), 4096, 1, NoDeviceFigures).Devices[0];
        var q4 = MemoryPlanner.Plan(PlanModel.Resolve("llama-3.1-8b", QuantizationMix.Parse("Q4_K_M")), DeviceMap.OnDevice("cuda:0", 32), 4096, 1, NoDeviceFigures).Devices[0];

        // Rows of 4096 and 14336 elements are whole multiples of 16 bytes in Q4_K and Q6_K, so the device holds the stored
        // bytes (norms already F32 in the mix) and 16 bytes of slack after each of the 226 matrices (7 per layer, embedding, head).
        Assert.Equal(4_912_898_048 + 226 * 16, q4.WeightsBytes);
        // The largest block matrix (the embedding, 1 GiB in BF16) asks for the 128 MiB cap of dequantization workspace.
        Assert.Equal(128L << 20, q4.WorkspaceBytes - bf16.WorkspaceBytes);
    }
}
