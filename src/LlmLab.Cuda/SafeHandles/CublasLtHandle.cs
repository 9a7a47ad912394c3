using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>A cuBLASLt library handle (created with the context current; bound to its device).</summary>
internal sealed class CublasLtHandle : ContextBoundHandle
{
    private CublasLtHandle(CudaContext context, nint value) : base(context, value) { }

    public static CublasLtHandle Create(CudaContext context)
    {
        CublasLt.Check(CublasLt.cublasLtCreate(out var value));
        return new CublasLtHandle(context, value);
    }

    public nint Value => handle;

    protected override bool Free(nint value) => CublasLt.cublasLtDestroy(value) == CublasLt.Success;
}
