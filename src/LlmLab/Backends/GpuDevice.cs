namespace LlmLab.Backends;

/// <summary>One GPU a backend provider can use.</summary>
/// <param name="Device">Device name LlmLab uses, e.g. <c>cuda:0</c>.</param>
/// <param name="Name">Product name as the driver reports it.</param>
/// <param name="MemoryTotalBytes">Device memory.</param>
/// <param name="ComputeCapability">Architecture version where the family has one (CUDA compute capability, e.g. <c>9.0</c>).</param>
/// <param name="Telemetry">A sensor reading (power, clock, temperature, memory in use), or null where the device has no sensors.</param>
public sealed record GpuDevice(string Device, string Name, long MemoryTotalBytes, string? ComputeCapability, TelemetrySample? Telemetry)
{
    /// <summary>Driver and library versions, maximum clocks and power limit, where the provider reports them (for a study's environment fingerprint).</summary>
    public GpuDetails? Details { get; init; }
}
