using LlmLab.Backends;
using LlmLab.Planning;

namespace LlmLab.Measurement;

/// <summary>One device's share of a benchmark run over a device map.</summary>
/// <param name="Device">The map's device (cpu, cuda:N).</param>
/// <param name="DeviceName">GPU name or CPU description, if known.</param>
/// <param name="BandwidthGBps">Its copy bandwidth measured in the same run, GB/s (10⁹ bytes).</param>
/// <param name="BytesPerToken">Bytes it reads per decode step: its weights (one embedding row, not the table) and its layers' K and V at the run's mean context.</param>
/// <param name="BoundMsPerToken"><paramref name="BytesPerToken"/> ÷ <paramref name="BandwidthGBps"/>, ms.</param>
/// <param name="PeakMemoryBytes">Peak of its ledger.</param>
/// <param name="Memory">Its ledger by category at the end of the headline batch's decode, if the backend reports one.</param>
/// <param name="Planned">The planner's bytes for it before loading.</param>
public sealed record BenchDevice(string Device, string? DeviceName, double BandwidthGBps, long BytesPerToken, double BoundMsPerToken, long PeakMemoryBytes,
    MemoryReport? Memory, DevicePlan Planned);
