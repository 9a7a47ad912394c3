using System.Globalization;

namespace LlmLab.Backends;

/// <summary>Device memory a run needs, by category, checked against free device memory before loading (CudaBackend.CheckFits).</summary>
/// <param name="WeightBytes">Weights as the backend holds them.</param>
/// <param name="KvCacheBytes">K and V of every layer for the whole batch and context.</param>
/// <param name="WorkspaceBytes">Activations, scratch, tables and library workspace.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token (all layers), to say how many tokens would fit; 0 when unknown.</param>
public sealed record MemoryPlan(long WeightBytes, long KvCacheBytes, long WorkspaceBytes, long KvBytesPerToken = 0)
{
    /// <summary>All of it.</summary>
    public long TotalBytes => WeightBytes + KvCacheBytes + WorkspaceBytes;
}

/// <summary>Device memory held by one backend (by category, and its peak) beside what the driver reports.</summary>
/// <param name="Device">cpu or cuda:N.</param>
/// <param name="WeightBytes">Model weights.</param>
/// <param name="KvCacheBytes">KV caches.</param>
/// <param name="ActivationBytes">Activations, scratch and library workspace.</param>
/// <param name="OtherBytes">Rotary tables and small buffers.</param>
/// <param name="TotalBytes">All categories.</param>
/// <param name="PeakBytes">Highest total held so far.</param>
/// <param name="DriverFreeBytes">Free device memory now (all processes; available RAM on the CPU).</param>
/// <param name="DriverTotalBytes">Device memory size.</param>
/// <param name="DriverFreeAtStartBytes">Free device memory when the backend was created (before its allocations).</param>
public sealed record MemoryReport(string Device, long WeightBytes, long KvCacheBytes, long ActivationBytes, long OtherBytes, long TotalBytes,
    long PeakBytes, long DriverFreeBytes, long DriverTotalBytes, long DriverFreeAtStartBytes)
{
    /// <summary>Device memory the process took since the backend was created, as the driver sees it (our allocations, library pools, context growth).</summary>
    public long DriverUsedSinceStartBytes => DriverFreeAtStartBytes - DriverFreeBytes;

    /// <summary>One line per category and the driver's view.</summary>
    public string Describe() =>
        $"memory on {Device}: weights {ByteCount.Format(WeightBytes)}, KV cache {ByteCount.Format(KvCacheBytes)}, activations {ByteCount.Format(ActivationBytes)}, other {ByteCount.Format(OtherBytes)}; " +
        $"held {ByteCount.Format(TotalBytes)}, peak {ByteCount.Format(PeakBytes)}; free {ByteCount.Format(DriverFreeBytes)} of {ByteCount.Format(DriverTotalBytes)}";
}

/// <summary>A backend that can report its device memory beside what the driver (or OS) says is free.</summary>
public interface IMemoryReporter
{
    /// <summary>Bytes held by category, the peak, and the driver's free/total now and at creation.</summary>
    MemoryReport MemoryReport();
}

/// <summary>Human-readable byte counts (binary units).</summary>
public static class ByteCount
{
    /// <summary>e.g. "17.08 GiB".</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return v.ToString(u == 0 ? "F0" : "F2", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
