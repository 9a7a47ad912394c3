using LlmLab.Backends;

namespace LlmLab.Planning;

/// <summary>Bytes one device of a plan needs, by category, beside what it has free; names match the ledger's categories.</summary>
/// <param name="Device">cpu or cuda:N.</param>
/// <param name="Name">GPU or CPU name, if known.</param>
/// <param name="Layers">Decoder layers on the device.</param>
/// <param name="WeightsBytes">Weights as the backend holds them.</param>
/// <param name="KvCacheBytes">K and V of the device's layers for batch × context tokens.</param>
/// <param name="WorkspaceBytes">Activations, scratch, tables and library workspace (the ledger's activations and other).</param>
/// <param name="OverheadBytes">Runtime memory outside the ledger (CUDA context, library handles, modules, graphs).</param>
/// <param name="FreeBytes">Free memory the plan is checked against; null when unknown.</param>
/// <param name="DeviceBytes">Device memory size, if known.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token of the device's layers.</param>
/// <param name="Predicted">The device's share of a decode step, when a bandwidth is known.</param>
public sealed record DevicePlan(string Device, string? Name, int Layers, long WeightsBytes, long KvCacheBytes, long WorkspaceBytes, long OverheadBytes,
    long? FreeBytes, long? DeviceBytes, long KvBytesPerToken, DeviceSpeed? Predicted)
{
    /// <summary>All categories.</summary>
    public long TotalBytes => WeightsBytes + KvCacheBytes + WorkspaceBytes + OverheadBytes;

    /// <summary>Whether the plan fits the free memory; null when free memory is unknown.</summary>
    public bool? Fits => FreeBytes is { } free ? TotalBytes <= free : null;

    /// <summary>The same figures as the backends' <see cref="MemoryPlan"/> (for <see cref="MemoryFit"/>'s message).</summary>
    public MemoryPlan ToMemoryPlan() => new(WeightsBytes, KvCacheBytes, WorkspaceBytes, KvBytesPerToken, OverheadBytes);

    /// <summary>"cuda:0 (H100 SXM): weights 14.96 GiB + KV cache 512.00 MiB + workspace 90 MiB + overhead 560 MiB = 16.09 GiB; 79.18 GiB free: fits".</summary>
    public string Describe()
    {
        string name = Name is null ? Device : $"{Device} ({Name})";
        string free = FreeBytes is { } f ? $"; {ByteCount.Format(f)} free: {(Fits == true ? "fits" : "does NOT fit")}" : "";
        return $"{name}, {Layers} layers: weights {ByteCount.Format(WeightsBytes)} + KV cache {ByteCount.Format(KvCacheBytes)} + workspace {ByteCount.Format(WorkspaceBytes)}" +
            $" + overhead {ByteCount.Format(OverheadBytes)} = {ByteCount.Format(TotalBytes)}{free}";
    }
}
