namespace LlmLab.Cuda;

/// <summary>
/// The CUDA backend's lab switches in one immutable record: which fused kernels run, the GEMV launch shapes, the
/// attention variants. The defaults are what the kernel lab measured fastest (notes/cuda); benchmarks build variants
/// with <c>with</c> and hand a whole record to the backend, never one switch at a time. Results are the same under
/// every setting except <see cref="OmitForTiming"/> (timing only) and <see cref="Fp8TensorCorePrefill"/> (rounds x to
/// FP8), up to where values are rounded.
/// </summary>
public sealed record CudaTuning
{
    /// <summary>Largest row count of <see cref="GemvRowLimit"/>: gemv.cu instantiates its kernels for 1..4 rows.</summary>
    public const int MaxGemvRows = 4;

    /// <summary>
    /// Run the fused operations as fused kernels: products that share x as one GEMV launch (q/k/v; gate/up with SwiGLU),
    /// RoPE and the KV-cache write in the q/k/v GEMV's epilogue, prefill q/k/v as one cuBLASLt product over weights
    /// placed back to back. Off: each fused operation runs as the plain ops it stands for (the TTFT bench compares).
    /// </summary>
    public bool FuseProducts { get; init; } = true;

    /// <summary>
    /// Fuse RoPE and the KV-cache write into the decode q/k/v GEMV where it runs one warp per row (run 8: on the 8B's
    /// split rows it cost 1.5%, on the 1B it gained 3-4%).
    /// </summary>
    public bool FuseRope { get; init; } = true;

    /// <summary>Mark GEMV weight loads to leave L2 first (the kernel lab compares both).</summary>
    public bool GemvEvictFirst { get; init; } = true;

    /// <summary>A GEMV launch shape forced on every float GEMV (the kernel lab sweeps these); null: chosen per shape.</summary>
    public GemvShape? GemvShape { get; init; }

    /// <summary>
    /// A shape for the products of ≤ 4096 rows with k ≤ 2048 (a 1B model's q/k/v and o; the decode bench compares shapes
    /// that keep more of a row in flight before the dependency wait); null: the per-shape choice.
    /// </summary>
    public GemvShape? ShortProductShape { get; init; }

    /// <summary>Rows up to which products run as the bandwidth-bound GEMV (0..<see cref="MaxGemvRows"/>); more go to cuBLASLt.</summary>
    public int GemvRowLimit
    {
        get => _gemvRowLimit;
        init => _gemvRowLimit = value is >= 0 and <= MaxGemvRows ? value
            : throw new ArgumentOutOfRangeException(nameof(GemvRowLimit), value, $"the GEMV serves 0..{MaxGemvRows} rows (gemv.cu instantiates 1..{MaxGemvRows})");
    }

    private readonly int _gemvRowLimit = DefaultGemvRowLimit;

    /// <summary>The default <see cref="GemvRowLimit"/>: from 3 rows cuBLASLt was as fast (kernel lab, gate proj 1..4 rows).</summary>
    public const int DefaultGemvRowLimit = 2;

    /// <summary>Norm kernels load their weight before the dependency wait (the decode bench compares both).</summary>
    public bool NormPreloadWeights { get; init; } = true;

    /// <summary>Run prefill attention with the flash kernel where it applies (else cuBLASLt products and a softmax kernel).</summary>
    public bool FlashPrefill { get; init; } = true;

    /// <summary>Decode attention of a few rows in thread-block clusters on sm_90+ (H200 runs 20, 26: 1B +2.2..3.7%, 8B +1.4%).</summary>
    public bool ClusterAttention { get; init; } = true;

    /// <summary>Blocks per decode-attention cluster, 8 or 16 (the decode bench compares them); 0: chosen per head width.</summary>
    public int AttentionClusterSize
    {
        get => _attentionClusterSize;
        init => _attentionClusterSize = value is 0 or 8 or 16 ? value
            : throw new ArgumentOutOfRangeException(nameof(AttentionClusterSize), value, "decode-attention clusters have 8 or 16 blocks (0: chosen per head width)");
    }

    private readonly int _attentionClusterSize;

    /// <summary>
    /// Decode-attention blocks per multiprocessor the splits aim for at most (≥ 1). Two keeps the split counts of large
    /// batches as they were before splits followed the position (run 7: four cost 19% at batch 64).
    /// </summary>
    public int DecodeBlocksPerMultiprocessor
    {
        get => _decodeBlocksPerMultiprocessor;
        init => _decodeBlocksPerMultiprocessor = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(DecodeBlocksPerMultiprocessor), value, "at least one block per multiprocessor");
    }

    private readonly int _decodeBlocksPerMultiprocessor = 2;

    /// <summary>
    /// Let a queued read of argmax ids ride on the argmax kernel (it writes the ids and the status word to pinned host
    /// memory); off: the read copies them on the stream (the decode bench compares both).
    /// </summary>
    public bool QueuedReadsInKernel { get; init; } = true;

    /// <summary>
    /// Tiles of a row each warp of the quantized decode GEMV keeps in flight (gemv_quant.cu's QG_STAGES): 1 holds the
    /// next tile in registers; 2–4 fill a ring of tiles in shared memory by cp.async, QG_STAGES − 1 ahead (fewer
    /// registers, more bytes in flight; quant-lab compares them). A ring that does not fit the GPU's shared memory runs as 1.
    /// </summary>
    public int QuantGemvStages
    {
        get => _quantGemvStages;
        init => _quantGemvStages = value is >= 1 and <= 4 ? value
            : throw new ArgumentOutOfRangeException(nameof(QuantGemvStages), value, "the quantized GEMV keeps 1 to 4 tiles per warp in flight");
    }

    private readonly int _quantGemvStages = 1;

    /// <summary>
    /// Most bytes of dequantized weight one quantized prefill product dequantizes before its cuBLASLt product (≥ 1 MiB;
    /// the workspace is allocated at <see cref="LlmLab.Backends.CudaMemoryRule.DequantWorkspaceCapBytes"/>, so larger
    /// values change nothing). Smaller slices may stay in L2 between the two (quant-lab compares TTFT).
    /// </summary>
    public long DequantSliceBytes
    {
        get => _dequantSliceBytes;
        init => _dequantSliceBytes = value >= 1L << 20 ? value
            : throw new ArgumentOutOfRangeException(nameof(DequantSliceBytes), value, "a prefill slice holds at least 1 MiB of dequantized weight");
    }

    private readonly long _dequantSliceBytes = LlmLab.Backends.CudaMemoryRule.DequantWorkspaceCapBytes;

    /// <summary>
    /// Prefill products with FP8 weights on the FP8 tensor cores (sm_89+, cuBLASLt 12.9+ with per-row scaling): x is
    /// rounded per token to E4M3 with its own scale (amax / 448, as vLLM's dynamic per-token FP8), so such a product is
    /// W8A8 — the one setting that changes results beyond rounding order. Off, or where cuBLASLt offers no kernel: the
    /// weight is dequantized to the compute type and x is used as it is (W8A16, as decode always is).
    /// </summary>
    public bool Fp8TensorCorePrefill { get; init; } = true;

    /// <summary>Ops left out of decode steps to measure what they cost inside a whole step (the decode bench only: results are wrong while any is set).</summary>
    internal TimingOmission OmitForTiming { get; init; }

    /// <summary>The measured defaults.</summary>
    public static CudaTuning Default { get; } = new();
}
