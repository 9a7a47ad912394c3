using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Measurement;

namespace LlmLab.Cuda;

/// <summary>
/// Every device allocation of a backend goes through here: cuMemAlloc, the bytes recorded in the backend's
/// <see cref="MemoryLedger"/> by category, and an out-of-memory turned into an
/// <see cref="OutOfDeviceMemoryException"/> that says what was asked for, what is free and what is held.
/// </summary>
internal sealed class DeviceAllocator(CudaContext context, MemoryLedger ledger, string device)
{
    /// <summary>The ledger the allocations are recorded in.</summary>
    public MemoryLedger Ledger { get; } = ledger;

    /// <summary>Allocates <paramref name="bytes"/> for <paramref name="category"/> (contents undefined).</summary>
    public DeviceBuffer Allocate(long bytes, MemoryCategory category)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), $"{bytes} bytes");
        int result = DeviceMemory.TryAllocate(context, bytes, out var memory);
        if (result == CudaDriver.ErrorOutOfMemory)
        {
            var (free, total) = DriverMemory();
            throw new OutOfDeviceMemoryException(
                $"{device}: allocating {Bytes.Format(bytes)} for {Bytes.Describe(category)} failed: {Bytes.Format(free)} free of {Bytes.Format(total)}; " +
                $"LlmLab holds {Bytes.Format(Ledger.Total)} ({Bytes.Breakdown(Ledger)}). Use a shorter context, a smaller batch, or a smaller model.");
        }
        CudaDriver.Check(result, "cuMemAlloc_v2");
        Ledger.Add(category, bytes);
        return new DeviceBuffer(memory!, bytes, category, Ledger);
    }

    /// <summary>Free and total device memory as the driver reports them (all processes).</summary>
    public static (long Free, long Total) DriverMemory()
    {
        CudaDriver.Check(CudaDriver.cuMemGetInfo_v2(out var free, out var total));
        return ((long)free, (long)total);
    }
}

/// <summary>A block of device memory recorded in a ledger; disposing frees it and takes it off the ledger.</summary>
internal sealed class DeviceBuffer(DeviceMemory memory, long bytes, MemoryCategory category, MemoryLedger ledger) : IDisposable
{
    private int _disposed;

    /// <summary>The device address.</summary>
    public ulong Pointer { get; } = memory.Pointer;

    /// <summary>Size in bytes.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>What the memory is for.</summary>
    public MemoryCategory Category { get; } = category;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        memory.Dispose();
        ledger.Remove(Category, Bytes);
    }
}

/// <summary>Byte counts as text for messages and reports.</summary>
internal static class Bytes
{
    public static string Format(long bytes) => ByteCount.Format(bytes);

    public static string Describe(MemoryCategory category) => category switch
    {
        MemoryCategory.Weights => "weights",
        MemoryCategory.KvCache => "the KV cache",
        MemoryCategory.Activations => "activations and workspace",
        _ => "tables and buffers",
    };

    public static string Breakdown(MemoryLedger ledger) =>
        string.Join(", ", ledger.Snapshot().Where(kv => kv.Value > 0).Select(kv => $"{Describe(kv.Key)} {Format(kv.Value)}")) is { Length: > 0 } s ? s : "nothing";
}
