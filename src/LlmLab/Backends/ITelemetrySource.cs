namespace LlmLab.Backends;

/// <summary>A backend whose device reports power, clocks and temperature (NVML on NVIDIA GPUs).</summary>
public interface ITelemetrySource
{
    /// <summary>GPU name as the driver reports it.</summary>
    string DeviceName { get; }

    /// <summary>Reads the sensors now.</summary>
    TelemetrySample Sample();
}
