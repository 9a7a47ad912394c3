namespace LlmLab.Planning;

/// <summary>
/// What the planner knows of one device of a map: how much memory it has free, and what its decode speed is predicted
/// from. A <c>cpu</c> device is sized by the CPU backend's rules, a <c>cuda:N</c> device by the CUDA backend's.
/// </summary>
/// <param name="Device">cpu or cuda:N.</param>
/// <param name="Name">GPU name (catalog or driver) or CPU description, if known.</param>
/// <param name="FreeBytes">Bytes free for the plan (driver free memory, available RAM, or a catalog GPU's whole memory); null when unknown.</param>
/// <param name="TotalBytes">Device memory size, if known.</param>
/// <param name="BandwidthBytesPerSecond">Bandwidth decode predictions start from (a copy test's, measured or assumed); null: no speed prediction.</param>
/// <param name="DecodeFraction">Fraction of <paramref name="BandwidthBytesPerSecond"/> decode reaches (measured by LlmLab; see the callers).</param>
/// <param name="Basis">How bandwidth and efficiency were obtained, for the printed arithmetic.</param>
/// <param name="Gpu">The catalog entry (tensor throughput, TDP, price), when the device is a catalog GPU.</param>
public sealed record PlanDevice(string Device, string? Name, long? FreeBytes, long? TotalBytes, double? BandwidthBytesPerSecond, double DecodeFraction,
    string Basis, GpuSpec? Gpu = null)
{
    /// <summary>
    /// Decode tok/s on this CPU as a fraction of its copy-bandwidth roofline: 0.28, LlmLab's CPU bench of the Brown model
    /// on the project's 2-core machine (README "Measured": 27–29 %).
    /// </summary>
    public const double CpuDecodeFractionOfCopy = 0.28;

    /// <summary>Whether the device is a GPU (sized by the CUDA backend's rules).</summary>
    public bool IsGpu => Device != "cpu";

    /// <summary>A catalog GPU as <paramref name="device"/>, with its whole memory free and its decode efficiency.</summary>
    public static PlanDevice ForCatalogGpu(string device, GpuSpec gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        return new(device, gpu.Name, gpu.MemoryBytes, gpu.MemoryBytes, gpu.CopyBandwidthBytesPerSecond, gpu.DecodeFractionOfCopy, gpu.EfficiencyBasis, gpu);
    }

    /// <summary>This machine's CPU: <paramref name="availableBytes"/> of RAM, a measured copy bandwidth (bytes/s, null when not measured).</summary>
    public static PlanDevice ForCpu(long availableBytes, long totalBytes, double? copyBytesPerSecond) =>
        new("cpu", $"{Environment.ProcessorCount} logical cores", availableBytes, totalBytes, copyBytesPerSecond, CpuDecodeFractionOfCopy,
            copyBytesPerSecond is { } bw ? $"measured copy {bw / 1e9:F1} GB/s × {CpuDecodeFractionOfCopy:P0} (LlmLab's CPU decode fraction, README)" : "no bandwidth measured");
}
