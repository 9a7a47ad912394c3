using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// A model planned on one catalog GPU (all of its memory free, as cuda:0 of a machine with that GPU): the plan at the
/// context asked and the longest context that fits — a row of <c>llmlab plan --gpu all</c> and of
/// notebooks/03-choosing-a-gpu.dib, computed one way for both.
/// </summary>
/// <param name="Gpu">The catalog entry.</param>
/// <param name="Precision">The precision the model was planned in (BF16, Q8_0, …, or "as stored").</param>
/// <param name="Plan">The plan at the context asked.</param>
/// <param name="MaxContext">The longest context that fits (0: not even one token).</param>
public sealed record CatalogGpuPlan(GpuSpec Gpu, string Precision, ModelPlan Plan, int MaxContext)
{
    /// <summary>Whether the model fits at the context asked.</summary>
    public bool Fits => Plan.Fits;

    /// <summary>
    /// Plans <paramref name="model"/> on <paramref name="gpu"/> with <paramref name="placement"/> (one device, or
    /// llama.cpp's <c>--n-gpu-layers</c> split with this machine's CPU in <paramref name="cpu"/> when it takes layers).
    /// </summary>
    /// <exception cref="InvalidOptionException">A context or batch out of range, or a malformed placement.</exception>
    public static CatalogGpuPlan Of(PlanModel model, string precision, GpuSpec gpu, int context, int batch, DType computeType,
        Placement? placement = null, PlanDevice? cpu = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gpu);
        var map = (placement ?? Placement.None).Resolve(model, "cuda:0", [], context, batch, computeType);
        var devices = new Dictionary<string, PlanDevice> { ["cuda:0"] = PlanDevice.ForCatalogGpu("cuda:0", gpu) };
        if (cpu is not null && (map.Devices.Contains("cpu") || map.KvCacheOnCpu)) devices["cpu"] = cpu;
        var plan = MemoryPlanner.Plan(model, map, context, batch, devices, computeType);
        return new CatalogGpuPlan(gpu, precision, plan, MemoryPlanner.MaxContext(model, map, batch, devices, computeType));
    }
}
