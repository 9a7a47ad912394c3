using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda.SafeHandles;

/// <summary>A timing event recorded on a stream.</summary>
internal sealed class CudaEvent : ContextBoundHandle
{
    private CudaEvent(CudaContext context, nint evt) : base(context, evt) { }

    public static CudaEvent Create(CudaContext context, bool timing = true)
    {
        CudaDriver.Check(CudaDriver.cuEventCreate(out var evt, timing ? CudaDriver.EventDefault : CudaDriver.EventDisableTiming));
        return new CudaEvent(context, evt);
    }

    public void Record(CudaStream stream) => CudaDriver.Check(CudaDriver.cuEventRecord(handle, stream.Value));

    public void Synchronize() => CudaDriver.Check(CudaDriver.cuEventSynchronize(handle));

    /// <summary>Milliseconds from <paramref name="start"/> to this event (both recorded and completed).</summary>
    public float MillisecondsSince(CudaEvent start)
    {
        CudaDriver.Check(CudaDriver.cuEventElapsedTime(out var ms, start.handle, handle));
        return ms;
    }

    protected override bool Free(nint value) => CudaDriver.cuEventDestroy_v2(value) == CudaDriver.Success;
}
