namespace LlmLab.Backends;

/// <summary>
/// A backend that can measure its device's memory bandwidth with a copy test, so a benchmark can
/// state tokens/s as a fraction of the bandwidth roofline measured in the same run.
/// </summary>
public interface IBandwidthProbe
{
    /// <summary>
    /// Copies <paramref name="bytes"/> within device memory <paramref name="repetitions"/> times and returns
    /// the achieved bandwidth in bytes per second, counting read + write (2 × bytes per copy).
    /// </summary>
    double MeasureCopyBandwidth(long bytes, int repetitions);
}

/// <summary>One reading of a GPU's sensors.</summary>
/// <param name="Timestamp">When it was read.</param>
/// <param name="PowerWatts">Board power draw.</param>
/// <param name="EnergyMillijoules">Cumulative energy counter since driver load (null where unsupported).</param>
/// <param name="SmClockMHz">Streaming-multiprocessor clock.</param>
/// <param name="TemperatureC">GPU temperature.</param>
/// <param name="MemoryUsedBytes">Device memory in use (all processes).</param>
/// <param name="MemoryTotalBytes">Device memory size.</param>
public sealed record TelemetrySample(
    DateTimeOffset Timestamp, double PowerWatts, double? EnergyMillijoules, int SmClockMHz, int TemperatureC, long MemoryUsedBytes, long MemoryTotalBytes);

/// <summary>A backend whose device reports power, clocks and temperature (NVML on NVIDIA GPUs).</summary>
public interface ITelemetrySource
{
    /// <summary>GPU name as the driver reports it.</summary>
    string DeviceName { get; }

    /// <summary>Reads the sensors now.</summary>
    TelemetrySample Sample();
}

/// <summary>
/// A backend that can record a sequence of queued ops once and replay it (CUDA graphs), so a decode
/// step costs one launch instead of hundreds. The session captures a step whose shapes repeat and
/// replays it while only device-side inputs (ids, positions) change.
/// </summary>
public interface IGraphCapture
{
    /// <summary>Starts recording the ops queued from now on.</summary>
    void BeginCapture();

    /// <summary>Stops recording and returns the replayable graph.</summary>
    CapturedGraph EndCapture();
}

/// <summary>A recorded sequence of ops that can be replayed.</summary>
public abstract class CapturedGraph : IDisposable
{
    /// <summary>Queues one replay.</summary>
    public abstract void Replay();

    /// <summary>Releases the graph.</summary>
    public abstract void Dispose();
}

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
