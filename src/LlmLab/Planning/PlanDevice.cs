using LlmLab.Backends;
namespace LlmLab.Planning;

/// <summary>
/// What the planner knows of one device of a map: how much memory it has free, and what its decode speed is predicted
/// from. A <c>cpu</c> device is sized by the CPU backend's rules, a <c>cuda:N</c> device by the CUDA backend's.
/// </summary>
/// <param name="Device">cpu or cuda:N.</param>
/// <param name="Name">GPU name (catalog or driver) or CPU description, if known.</param>
/// <param name="FreeBytes">Bytes free for the plan (driver free memory, available RAM, or a catalog GPU's whole memory); null when unknown.</param>
/// <param name="TotalBytes">Device memory size, if known.</param>
/// <param name="BandwidthBytesPerSecond">Bandwidth decode predictions start from (a copy test's, measured or assumed); null: no speed prediction.</param>
/// <param name="DecodeFraction">Fraction of <paramref name="BandwidthBytesPerSecond"/> decode reaches (measured by LlmLab; see the callers).</param>
/// <param name="Basis">How bandwidth and efficiency were obtained, for the printed arithmetic.</param>
/// <param name="Gpu">The catalog entry (tensor throughput, TDP, price), when the device is a catalog GPU.</param>
public sealed record PlanDevice(string Device, string? Name, long? FreeBytes, long? TotalBytes, double? BandwidthBytesPerSecond, double DecodeFraction,
    string Basis, GpuSpec? Gpu = null)
{
    /// <summary>
    /// Decode tok/s on the CPU as a fraction of its copy-bandwidth roofline (bench's: copy-test GB/s ÷ bytes per token):
    /// 1.15, the median of 9 <c>llmlab bench</c> runs of a make-random llama-3.2-1b in GGUF (BF16, Q8_0, Q4_K_M; prompt
    /// 32 + 16, 3 repetitions each) on the project's 2-core machine, 2026-12-07 21:55 UTC, after the CPU backend began
    /// copying each weight matrix into anonymous huge pages and reading several decode streams side by side: 0.98–1.24
    /// (BF16 1.20, Q8_0 1.23, Q4_K_M 1.06; notes/cpu-predict.md). Decode reads each weight once while the copy test
    /// reads and writes, so a memory-bound CPU can pass the copy roofline. It was 1.0 before those kernels (30 runs,
    /// 0.84–1.31). A model that fits in the caches (the 12 MB Brown model) runs faster than predicted, one with tiny
    /// matrices may run slower (per-op overheads), and a machine shared with other jobs slower still.
    /// </summary>
    public const double CpuDecodeFractionOfCopy = 1.15;

    /// <summary>
    /// CPU prefill FLOP/s (<see cref="MemoryPlanner.PrefillFlopsPerToken"/> × prompt tokens ÷ (TTFT − the output head's
    /// read at decode bandwidth)) as a fraction of the matmul probe's rate on the model's formats (<see cref="CpuPrefillRate"/>):
    /// 0.90, the median of 15 <c>llmlab bench</c> runs of a make-random llama-3.2-1b (prompt 32 + 16 new, 3 repetitions, 5
    /// rounds × BF16 / Q8_0 / Q4_K_M converted at load) on the project's 2-core machine, 2026-12-07 16:47–16:57 UTC, load
    /// average 4–18 from other jobs (notes/cpu-predict.md): 0.74–1.02; per format BF16 0.87, Q8_0 0.97, Q4_K_M 0.87. 15 check
    /// runs after it put TTFT at 1.07, 0.95 and 0.98 of the prediction (medians). At a 512-token prompt three runs reached
    /// only about 0.75 of the probe (TTFT 1.19–1.24 of the prediction): the fraction is for short prompts. What
    /// the probe leaves out: attention, norms, RoPE, SwiGLU, quantizing activations, and the smaller matrices (q, k, v, o)
    /// running at a lower rate than the MLP's the probe times.
    /// </summary>
    public const double CpuPrefillFractionOfProbe = 0.90;

    /// <summary>
    /// FLOP/s the device's prefill is predicted at (a catalog GPU: dense BF16 × <see cref="MemoryPlanner.PrefillFractionOfPeak"/>;
    /// the CPU: its matmul probe × <see cref="CpuPrefillFractionOfProbe"/>); null: no prefill prediction.
    /// </summary>
    public double? PrefillFlopsPerSecond { get; init; }

    /// <summary>How <see cref="PrefillFlopsPerSecond"/> was obtained, for the printed arithmetic.</summary>
    public string? PrefillBasis { get; init; }

    /// <summary>Whether the device is a GPU (sized by the CUDA backend's rules).</summary>
    public bool IsGpu => Device != "cpu";

    /// <summary>A catalog GPU as <paramref name="device"/>, with its whole memory free and its decode efficiency.</summary>
    public static PlanDevice ForCatalogGpu(string device, GpuSpec gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        return new(device, gpu.Name, gpu.MemoryBytes, gpu.MemoryBytes, gpu.CopyBandwidthBytesPerSecond, gpu.DecodeFractionOfCopy, gpu.EfficiencyBasis, gpu)
        {
            PrefillFlopsPerSecond = gpu.Bf16Tflops * 1e12 * MemoryPlanner.PrefillFractionOfPeak,
            PrefillBasis = $"{MemoryPlanner.PrefillFractionOfPeak:P0} of dense BF16 tensor throughput",
        };
    }

    /// <summary>
    /// This machine's CPU: <paramref name="availableBytes"/> of RAM, a measured copy bandwidth (bytes/s, null when not
    /// measured) and a measured prefill rate (null: no prefill prediction).
    /// </summary>
    public static PlanDevice ForCpu(long availableBytes, long totalBytes, double? copyBytesPerSecond, CpuPrefillRate? prefill = null) =>
        new("cpu", $"{Environment.ProcessorCount} logical cores", availableBytes, totalBytes, copyBytesPerSecond, CpuDecodeFractionOfCopy,
            copyBytesPerSecond is { } bw ? $"measured copy {bw / 1e9:F1} GB/s × {CpuDecodeFractionOfCopy:P0} (LlmLab's CPU decode fraction)" : "no bandwidth measured")
        {
            PrefillFlopsPerSecond = prefill?.FlopsPerSecond,
            PrefillBasis = prefill?.Basis,
        };

    /// <summary>
    /// A GPU of this machine through its open <paramref name="backend"/>: the driver's free and total memory now, its
    /// name, and the catalog entry's bandwidth and decode efficiency when the driver's name is in the catalog (else no
    /// speed prediction).
    /// </summary>
    /// <exception cref="InvalidOptionException">The backend cannot report its free memory.</exception>
    public static PlanDevice ForLocalGpu(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend is not IMemoryPlanner planner) throw new InvalidOptionException($"{backend.Device} cannot report its free memory");
        var (free, total) = planner.DriverMemory();
        string? name = (backend as ITelemetrySource)?.DeviceName;
        var spec = GpuCatalog.FindByDriverName(name);
        return spec is null
            ? new PlanDevice(backend.Device, name, free, total, null, 0, "not in the GPU catalog: no speed prediction")
            : ForCatalogGpu(backend.Device, spec) with { Name = name, FreeBytes = free, TotalBytes = total };
    }
}
