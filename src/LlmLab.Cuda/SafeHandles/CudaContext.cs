using System.Runtime.InteropServices;
using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>
/// A retained reference to a device's primary context (the one the CUDA runtime, and so cuBLASLt, uses).
/// Nothing is left current on a thread by LlmLab on purpose: each backend call makes its context current
/// itself (<see cref="MakeCurrent"/>), so backends on several devices can be driven from one thread.
/// </summary>
internal sealed class CudaContext : SafeHandle
{
    private CudaContext(nint context, int device) : base(0, ownsHandle: true)
    {
        SetHandle(context);
        Device = device;
    }

    /// <summary>CUdevice of the context.</summary>
    public int Device { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>The CUcontext (for driver calls that name two contexts, such as a peer copy).</summary>
    public nint Value => handle;

    /// <summary>Retains the primary context of <paramref name="device"/>.</summary>
    public static CudaContext RetainPrimary(int device)
    {
        CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out var context, device));
        return new CudaContext(context, device);
    }

    /// <summary>Makes this context current on the calling thread.</summary>
    public void MakeCurrent() => CudaDriver.Check(CudaDriver.cuCtxSetCurrent(handle));

    /// <summary>Pushes this context on the calling thread until the returned scope is disposed (for releases from any thread).</summary>
    public Scope Push() => new(CudaDriver.cuCtxPushCurrent_v2(handle) == CudaDriver.Success);

    protected override bool ReleaseHandle() => CudaDriver.cuDevicePrimaryCtxRelease_v2(Device) == CudaDriver.Success;

    /// <summary>Pops the context pushed by <see cref="Push"/>.</summary>
    public readonly struct Scope(bool pushed) : IDisposable
    {
        public void Dispose()
        {
            if (pushed) CudaDriver.cuCtxPopCurrent_v2(out _);
        }
    }
}
