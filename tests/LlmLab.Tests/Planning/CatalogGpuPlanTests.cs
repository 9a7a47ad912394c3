using LlmLab.Models;
using LlmLab.Planning;
using LlmLab.Tensors;

namespace LlmLab.Tests.Planning;

/// <summary>A model on one catalog GPU, the row `plan --gpu all` and notebook 03 share.</summary>
public sealed class CatalogGpuPlanTests
{
    [Fact]
    public void An_8b_on_a_12_gib_gpu_does_not_fit_in_bf16_and_fits_in_q4_k_m_with_the_plan_the_planner_gives()
    {
        var gpu = GpuCatalog.Get("rtx-3060");
        var bf16 = PlanModel.Resolve("llama-3.1-8b", null);
        var q4 = PlanModel.Resolve("llama-3.1-8b", QuantizationMix.Parse("Q4_K_M"));

        var notFitting = CatalogGpuPlan.Of(bf16, "BF16", gpu, 4096, 1, DType.BF16);
        var fitting = CatalogGpuPlan.Of(q4, "Q4_K_M", gpu, 4096, 1, DType.BF16);

        Assert.False(notFitting.Fits);
        Assert.Equal(0, notFitting.MaxContext);
        Assert.True(fitting.Fits);
        Assert.InRange(fitting.MaxContext, 4096, q4.Config.MaxPositionEmbeddings);
        var devices = new Dictionary<string, PlanDevice> { ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", gpu) };
        var direct = MemoryPlanner.Plan(q4, DeviceMap.OnDevice("cuda:0", q4.Config.NumLayers), 4096, 1, devices);
        Assert.Equal(direct.Devices.Single().TotalBytes, fitting.Plan.Devices.Single().TotalBytes);
        Assert.Equal(MemoryPlanner.MaxContext(q4, DeviceMap.OnDevice("cuda:0", q4.Config.NumLayers), 1, devices), fitting.MaxContext);
    }
}
