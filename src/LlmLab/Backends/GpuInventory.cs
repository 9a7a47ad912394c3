namespace LlmLab.Backends;

/// <summary>The GPUs found on this machine, or why there are none.</summary>
/// <param name="Gpus">The GPUs every provider can use, in provider then ordinal order.</param>
/// <param name="WhyNone">When <paramref name="Gpus"/> is empty: what was looked for and not found (no GPU backend in this build, no driver, no device).</param>
public sealed record GpuInventory(IReadOnlyList<GpuDevice> Gpus, string? WhyNone)
{
    /// <summary>Whether at least one GPU was found.</summary>
    public bool Any => Gpus.Count > 0;
}
