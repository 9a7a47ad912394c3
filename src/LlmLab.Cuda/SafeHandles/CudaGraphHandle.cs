using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>A captured CUgraph (the recorded nodes; kept until the executable graph is gone).</summary>
internal sealed class CudaGraphHandle(CudaContext context, nint graph) : ContextBoundHandle(context, graph)
{
    public nint Value => handle;

    protected override bool Free(nint value) => CudaDriver.cuGraphDestroy(value) == CudaDriver.Success;
}
