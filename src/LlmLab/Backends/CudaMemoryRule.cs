using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// How the CUDA backend sizes its device memory, kept in the engine so that a plan for a GPU that is not present
/// (<c>llmlab plan --gpu</c>) and the backend's own pre-load check (<c>CudaBackend.Plan</c>) use one arithmetic. The
/// constants are the kernels' own (attention_decode.cu) and the backend reads them from here.
/// </summary>
public static class CudaMemoryRule
{
    /// <summary>Most splits of one query's keys in decode attention (MAX_SPLITS in attention_decode.cu): bounds the partial-result scratch.</summary>
    public const int MaxSplits = 64;

    /// <summary>Prefill score rows are padded to this many elements (16-byte aligned rows for cuBLASLt's tensor-core kernels).</summary>
    public const int ScoreRowAlignment = 8;

    /// <summary>Widest head the flash prefill kernel keeps in registers (its head must be whole 16-wide mma steps).</summary>
    public const int FlashMaxHeadDim = 128;

    /// <summary>Allowance for the backend's own small buffers (status word, sampled ids).</summary>
    public const long SmallBuffersBytes = 4096;

    /// <summary>Device memory cuBLASLt may use for split-K and stream-K products (32 MiB is NVIDIA's advice for Hopper); the backend's default.</summary>
    public const long DefaultGemmWorkspaceBytes = 32L << 20;

    /// <summary>Device rows of block weights start 16-byte aligned, for the quantized kernels' 16-byte loads.</summary>
    public const int QuantRowAlignment = 16;

    /// <summary>Bytes after a block weight buffer's last row that gemv_quant.cu's unaligned word loads may touch (QSLACK).</summary>
    public const int QuantSlackBytes = 16;

    /// <summary>
    /// Largest dequantized slice of a block weight a prefill product multiplies at once (bytes of the compute-type
    /// workspace): an 8B model's largest layer matrix (14336 × 4096 BF16, 112 MiB) fits whole; a 128k-token head runs in slices.
    /// </summary>
    public const long DequantWorkspaceCapBytes = 128L << 20;

    /// <summary>Rows of a dequantized slice are a multiple of this, so each slice's output columns stay aligned for cuBLASLt.</summary>
    public const int DequantSliceRowMultiple = 64;

    /// <summary>Device bytes between rows of a block matrix of <paramref name="cols"/> elements (row bytes rounded up to <see cref="QuantRowAlignment"/>).</summary>
    public static long QuantRowStride(TensorFormat format, long cols) =>
        (format.RowBytes(cols) + QuantRowAlignment - 1) / QuantRowAlignment * QuantRowAlignment;

    /// <summary>
    /// The dequantization workspace a block matrix of <paramref name="rows"/> × <paramref name="cols"/> asks for (the
    /// backend allocates the largest any loaded block weight asks for, at the first prefill product): the whole matrix
    /// in the compute type, capped at <see cref="DequantWorkspaceCapBytes"/> unless <see cref="DequantSliceRowMultiple"/> rows exceed it.
    /// </summary>
    public static long DequantWorkspaceBytes(long rows, long cols, DType computeType)
    {
        int act = computeType.SizeOf();
        return Math.Min(rows * cols * act, Math.Max(DequantWorkspaceCapBytes, DequantSliceRowMultiple * cols * act));
    }

    /// <summary>Floats per split's partial result (PARTIAL_STRIDE in attention_decode.cu): acc[headDim], max, sum, padded to 16 bytes.</summary>
    public static int PartialStride(int headDim) => headDim + 4;

    /// <summary>Whether prefill attention runs as the flash kernel: 16-bit tensor-core inputs and whole 16-wide steps of the head.</summary>
    public static bool FlashPrefillApplies(DType computeType, int headDim) =>
        computeType is DType.BF16 or DType.F16 && headDim % 16 == 0 && headDim <= FlashMaxHeadDim;

    /// <summary>
    /// Weight bytes on the device: vectors in fp32, float matrices in the compute type, block matrices as stored with
    /// rows at a <see cref="QuantRowStride"/> and <see cref="QuantSlackBytes"/> after them (a group of matrices placed
    /// back to back shares one slack; counting it per matrix overstates by at most 16 bytes each).
    /// </summary>
    public static long WeightBytes(TensorFormat stored, long[] shape, DType computeType)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long elements = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (shape.Length == 1) return elements * sizeof(float);
        return stored.IsQuantized() ? shape[0] * QuantRowStride(stored, shape[^1]) + QuantSlackBytes : elements * computeType.SizeOf();
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
