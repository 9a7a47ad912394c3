using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>A cuMemAlloc block of device memory.</summary>
internal sealed class DeviceMemory : ContextBoundHandle
{
    private DeviceMemory(CudaContext context, ulong pointer, long bytes) : base(context, (nint)pointer) => Bytes = bytes;

    /// <summary>Size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The CUdeviceptr.</summary>
    public ulong Pointer => (ulong)handle;

    /// <summary>Allocates <paramref name="bytes"/>; returns the CUresult instead of throwing so the caller can explain an out-of-memory.</summary>
    public static int TryAllocate(CudaContext context, long bytes, out DeviceMemory? memory)
    {
        int result = CudaDriver.cuMemAlloc_v2(out var pointer, (nuint)Math.Max(bytes, 1));
        memory = result == CudaDriver.Success ? new DeviceMemory(context, pointer, bytes) : null;
        return result;
    }

    protected override bool Free(nint value) => CudaDriver.cuMemFree_v2((ulong)value) == CudaDriver.Success;
}
