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
