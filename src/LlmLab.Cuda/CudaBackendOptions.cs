using LlmLab.Tensors;

namespace LlmLab.Cuda;

/// <summary>How a <see cref="CudaBackend"/> computes.</summary>
public sealed record CudaBackendOptions
{
    /// <summary>
    /// Element type of weights, activations and the KV cache on the device: BF16 (default), F16 or F32.
    /// Checkpoint tensors in another float type are converted while they are uploaded (F32 checkpoints
    /// become BF16 unless F32 is asked for). Accumulation is fp32 in every mode.
    /// </summary>
    public DType ComputeType { get; init; } = DType.BF16;

    /// <summary>
    /// Let each kernel start while the previous one drains (programmatic dependent launch, sm_90 and newer):
    /// GEMV kernels begin streaming weights before the previous op has finished. Ignored on older GPUs.
    /// </summary>
    public bool OverlapKernels { get; init; } = true;

    /// <summary>Device memory cuBLASLt may use for split-K and stream-K products (32 MiB is NVIDIA's advice for Hopper).</summary>
    public long GemmWorkspaceBytes { get; init; } = LlmLab.Backends.CudaMemoryRule.DefaultGemmWorkspaceBytes;

    /// <summary>The lab switches (fused kernels, GEMV shapes, attention variants); the measured defaults unless a benchmark compares others.</summary>
    public CudaTuning Tuning { get; init; } = CudaTuning.Default;

    /// <summary>The default options (BF16 compute).</summary>
    public static CudaBackendOptions Default { get; } = new();
}
