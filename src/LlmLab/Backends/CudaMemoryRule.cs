using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// How the CUDA backend sizes its device memory, kept in the engine so that a plan for a GPU that is not present
/// (<c>llmlab plan --gpu</c>) and the backend's own pre-load check (<c>CudaBackend.Plan</c>) use one arithmetic. The
/// constants are the kernels' own (attention.cu) and the backend reads them from here.
/// </summary>
public static class CudaMemoryRule
{
    /// <summary>Most splits of one query's keys in decode attention (MAX_SPLITS in attention.cu): bounds the partial-result scratch.</summary>
    public const int MaxSplits = 64;

    /// <summary>Prefill score rows are padded to this many elements (16-byte aligned rows for cuBLASLt's tensor-core kernels).</summary>
    public const int ScoreRowAlignment = 8;

    /// <summary>Widest head the flash prefill kernel keeps in registers (its head must be whole 16-wide mma steps).</summary>
    public const int FlashMaxHeadDim = 128;

    /// <summary>Allowance for the backend's own small buffers (status word, sampled ids).</summary>
    public const long SmallBuffersBytes = 4096;

    /// <summary>Device memory cuBLASLt may use for split-K and stream-K products (32 MiB is NVIDIA's advice for Hopper); the backend's default.</summary>
    public const long DefaultGemmWorkspaceBytes = 32L << 20;

    /// <summary>Floats per split's partial result (PARTIAL_STRIDE in attention.cu): acc[headDim], max, sum, padded to 16 bytes.</summary>
    public static int PartialStride(int headDim) => headDim + 4;

    /// <summary>Whether prefill attention runs as the flash kernel: 16-bit tensor-core inputs and whole 16-wide steps of the head.</summary>
    public static bool FlashPrefillApplies(DType computeType, int headDim) =>
        computeType is DType.BF16 or DType.F16 && headDim % 16 == 0 && headDim <= FlashMaxHeadDim;

    /// <summary>Weight bytes on the device: vectors in fp32, float matrices in the compute type, block formats as stored.</summary>
    public static long WeightBytes(TensorFormat stored, long[] shape, DType computeType)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long elements = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (shape.Length == 1) return elements * sizeof(float);
        return stored.IsBlockQuantized() ? stored.ByteCount(shape) : elements * computeType.SizeOf();
    }

    /// <summary>
    /// The session's activations and scratch for steps of up to <paramref name="maxTokensPerStep"/> tokens per sequence
    /// (the step buffers, the fused q/k/v product of prefill and — without the flash kernel — head-major q/outputs and the
    /// score matrices), rotary tables for <paramref name="maxSequence"/> positions, decode-attention partials, small buffers
    /// and the cuBLASLt workspace, in bytes.
    /// </summary>
    public static long WorkspaceBytes(DecoderShape config, int batch, int maxSequence, int maxTokensPerStep, DType computeType, bool flashPrefill,
        long gemmWorkspaceBytes)
    {
        ArgumentNullException.ThrowIfNull(config);
        int act = computeType.SizeOf();
        long chunk = Math.Min(maxTokensPerStep, maxSequence), rows = batch * chunk;
        long activations = config.SessionBufferBytes(batch, (int)chunk, act);
        long ld = (maxSequence + ScoreRowAlignment - 1) / ScoreRowAlignment * ScoreRowAlignment;
        long scores = flashPrefill ? 0 : 2 * rows * config.QueryDim * act + config.Heads * chunk * ld * (sizeof(float) + act);
        long prefill = chunk > 1 ? scores + rows * (config.QueryDim + 2L * config.KvDim) * act : 0;
        long ropeTables = 2L * maxSequence * (config.HeadDim / 2) * sizeof(float);
        long decodePartials = (long)batch * MaxSplits * config.Heads * PartialStride(config.HeadDim) * sizeof(float);
        long small = batch * sizeof(int) + SmallBuffersBytes;
        return activations + prefill + ropeTables + decodePartials + small + gemmWorkspaceBytes;
    }
}
