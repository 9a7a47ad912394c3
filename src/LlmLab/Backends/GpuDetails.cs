namespace LlmLab.Backends;

/// <summary>
/// What a study needs to say about a GPU to be reproduced beyond its name: the driver and library versions it ran
/// with and the limits that bound its speed (maximum clocks, enforced power limit). Null fields were not reported.
/// </summary>
/// <param name="DriverVersion">Display driver version as NVML reports it, e.g. <c>570.124.06</c>.</param>
/// <param name="CudaDriverVersion">The CUDA version the driver supports (cuDriverGetVersion), e.g. <c>12.8</c>.</param>
/// <param name="Libraries">Versions of the libraries the backend loads, by name (e.g. <c>NVRTC</c> → <c>12.8</c>, <c>cuBLASLt</c> → <c>12.8.4</c>).</param>
/// <param name="MaxSmClockMHz">Maximum SM clock (MHz).</param>
/// <param name="MaxMemoryClockMHz">Maximum memory clock (MHz).</param>
/// <param name="PowerLimitWatts">Enforced power limit (W).</param>
public sealed record GpuDetails(
    string? DriverVersion, string? CudaDriverVersion, IReadOnlyDictionary<string, string> Libraries,
    int? MaxSmClockMHz, int? MaxMemoryClockMHz, double? PowerLimitWatts);
