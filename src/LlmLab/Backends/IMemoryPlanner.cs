namespace LlmLab.Backends;

/// <summary>
/// A backend that can tell, before anything is loaded, whether a model with a given batch and
/// context fits its device memory (weights + KV cache + workspace), and refuse with what would fit.
/// </summary>
public interface IMemoryPlanner
{
    /// <summary>Throws <see cref="OutOfDeviceMemoryException"/> when the plan does not fit the free memory; allocates nothing.</summary>
    void CheckFits(DecoderShape model, int batch, int context);

    /// <summary>Predicted device bytes (weights, KV cache, workspace) for <paramref name="batch"/> × <paramref name="context"/> tokens.</summary>
    MemoryPlan Plan(DecoderShape model, int batch, int context);

    /// <summary>Free and total device memory now, as the driver reports them.</summary>
    (long Free, long Total) DriverMemory();
}
