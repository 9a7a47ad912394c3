namespace LlmLab.Backends;

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
