using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>An instantiated, launchable CUgraphExec.</summary>
internal sealed class CudaGraphExecHandle : ContextBoundHandle
{
    private CudaGraphExecHandle(CudaContext context, nint exec) : base(context, exec) { }

    public static CudaGraphExecHandle Instantiate(CudaGraphHandle graph)
    {
        CudaDriver.Check(CudaDriver.cuGraphInstantiateWithFlags(out var exec, graph.Value, 0));
        return new CudaGraphExecHandle(graph.Context, exec);
    }

    public void Launch(CudaStream stream) => CudaDriver.Check(CudaDriver.cuGraphLaunch(handle, stream.Value));

    protected override bool Free(nint value) => CudaDriver.cuGraphExecDestroy(value) == CudaDriver.Success;
}
