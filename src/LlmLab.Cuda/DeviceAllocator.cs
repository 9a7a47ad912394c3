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
            // The driver refused: say so as the plan check does, with this request in its category.
            var (free, total) = DriverMemory();
            var request = category switch
            {
                MemoryCategory.Weights => new MemoryPlan(bytes, 0, 0),
                MemoryCategory.KvCache => new MemoryPlan(0, bytes, 0),
                _ => new MemoryPlan(0, 0, bytes),
            };
            throw new OutOfDeviceMemoryException(MemoryFit.Message(device, request, free, total, Ledger));
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
