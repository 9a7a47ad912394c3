namespace LlmLab.Planning;

/// <summary>
/// One GPU of the catalog (Planning/gpu-catalog.json): datasheet figures, each with its source, and — for the GPUs
/// LlmLab has run on — what LlmLab measured there. Units: GiB, GB/s (10⁹ bytes), TFLOPS/TOPS (10¹², dense), watts, USD.
/// </summary>
/// <param name="Id">Short name to pass to <c>--gpu</c>, e.g. <c>h100-sxm</c>.</param>
/// <param name="Name">Vendor name, e.g. "H100 SXM".</param>
/// <param name="MemoryGiB">Memory size as the vendor gives it (binary gigabytes).</param>
/// <param name="MemoryType">HBM3, GDDR6X, ….</param>
/// <param name="BandwidthGBps">Datasheet memory bandwidth.</param>
/// <param name="Bf16Tflops">Dense BF16 tensor throughput with fp32 accumulation.</param>
/// <param name="Fp8Tflops">Dense FP8 tensor throughput, if the GPU has it.</param>
/// <param name="Int8Tops">Dense INT8 tensor throughput.</param>
/// <param name="TdpWatts">Board power limit.</param>
/// <param name="Interconnect">PCIe generation, NVLink.</param>
/// <param name="LaunchUsd">Launch list price, where the vendor published one.</param>
/// <param name="Source">Where the datasheet figures come from.</param>
/// <param name="Derived">Which figures are derived (SMs × clock × ops per clock) rather than quoted, if any.</param>
/// <param name="UsableGiB">Total memory the CUDA driver reported on LlmLab's GPU machine, where measured.</param>
/// <param name="MeasuredCopyGBps">LlmLab's copy-test bandwidth (bytes read + written ÷ time) on this GPU, where measured.</param>
/// <param name="MeasuredDecodeFractionOfCopy">LlmLab's batch-1 decode tok/s ÷ its copy-bandwidth roofline on this GPU, where measured.</param>
/// <param name="MeasuredSource">Where the measured figures come from.</param>
/// <param name="CudaNames">Device names the CUDA driver reports for this GPU (to recognise a local GPU), where known.</param>
public sealed record GpuSpec(
    string Id, string Name, double MemoryGiB, string MemoryType, double BandwidthGBps, double Bf16Tflops, double? Fp8Tflops, double Int8Tops,
    double TdpWatts, string Interconnect, double? LaunchUsd, string Source, string? Derived = null,
    double? UsableGiB = null, double? MeasuredCopyGBps = null, double? MeasuredDecodeFractionOfCopy = null, string? MeasuredSource = null,
    IReadOnlyList<string>? CudaNames = null)
{
    /// <summary>
    /// Copy-test bandwidth as a fraction of the datasheet's where LlmLab has not measured the GPU: 0.89, the
    /// shared source list's "about 89 %" (H100 2.98 of 3.35 TB/s, H200 4.18–4.3 of 4.8 TB/s).
    /// </summary>
    public const double DefaultCopyFractionOfDatasheet = 0.89;

    /// <summary>
    /// Decode tok/s as a fraction of the copy-bandwidth roofline where LlmLab has not measured the GPU: 0.871, the lower
    /// of LlmLab's two measurements (llama-3.1-8b BF16: 93.4 % on the H100, 87.1 % on the H200; README).
    /// </summary>
    public const double DefaultDecodeFractionOfCopy = 0.871;

    /// <summary>Device memory the planner checks against: the driver's total where measured, else the vendor's size.</summary>
    public long MemoryBytes => (long)((UsableGiB ?? MemoryGiB) * (1L << 30));

    /// <summary>Bandwidth decode can use: the measured copy bandwidth, else the datasheet's × <see cref="DefaultCopyFractionOfDatasheet"/> (bytes/s).</summary>
    public double CopyBandwidthBytesPerSecond => (MeasuredCopyGBps ?? BandwidthGBps * DefaultCopyFractionOfDatasheet) * 1e9;

    /// <summary>Fraction of the copy roofline decode reaches: measured, else <see cref="DefaultDecodeFractionOfCopy"/>.</summary>
    public double DecodeFractionOfCopy => MeasuredDecodeFractionOfCopy ?? DefaultDecodeFractionOfCopy;

    /// <summary>How the decode efficiency was obtained, for the printed arithmetic.</summary>
    public string EfficiencyBasis => MeasuredCopyGBps is not null
        ? $"measured copy {MeasuredCopyGBps / 1000:F2} TB/s × measured decode fraction {DecodeFractionOfCopy:P1}"
        : $"datasheet {BandwidthGBps:F0} GB/s × {DefaultCopyFractionOfDatasheet:P0} copy fraction × {DecodeFractionOfCopy:P1} decode fraction (H200's, assumed)";
}
