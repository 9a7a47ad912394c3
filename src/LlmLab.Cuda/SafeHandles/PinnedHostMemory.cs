using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>Page-locked host memory (cuMemAllocHost), so copies to the device run asynchronously at full PCIe speed.</summary>
internal sealed unsafe class PinnedHostMemory : ContextBoundHandle
{
    private PinnedHostMemory(CudaContext context, nint pointer, long bytes) : base(context, pointer) => Bytes = bytes;

    /// <summary>Size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The host address.</summary>
    public byte* Pointer => (byte*)handle;

    /// <summary>The address kernels use to write this memory directly (page-locked memory is mapped into the device's address space).</summary>
    public ulong DevicePointer
    {
        get
        {
            CudaDriver.Check(CudaDriver.cuMemHostGetDevicePointer_v2(out var device, handle, 0));
            return device;
        }
    }

    public static PinnedHostMemory Allocate(CudaContext context, long bytes)
    {
        CudaDriver.Check(CudaDriver.cuMemAllocHost_v2(out var pointer, (nuint)bytes));
        return new PinnedHostMemory(context, pointer, bytes);
    }

    protected override bool Free(nint value) => CudaDriver.cuMemFreeHost(value) == CudaDriver.Success;
}
