using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>A non-blocking stream (it never synchronises with the legacy default stream).</summary>
internal sealed class CudaStream : ContextBoundHandle
{
    private CudaStream(CudaContext context, nint stream) : base(context, stream) { }

    public static CudaStream Create(CudaContext context)
    {
        CudaDriver.Check(CudaDriver.cuStreamCreate(out var stream, CudaDriver.StreamNonBlocking));
        return new CudaStream(context, stream);
    }

    /// <summary>The CUstream (valid while this handle is alive).</summary>
    public nint Value => handle;

    protected override bool Free(nint value) => CudaDriver.cuStreamDestroy_v2(value) == CudaDriver.Success;
}
