namespace LlmLab.Backends;

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
