using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// Attention over the KV cache: flash-decoding for one new token per sequence (Kernels/attention_decode.cu), prefill in
// one tensor-core kernel (attention_flash.cu) or as cuBLASLt products around a softmax (attention_prefill.cu). A cache in
// Q8_0, Q4_0 or FP8 (--kv-type) is read by variants of the same kernels compiled with KV_FORMAT (attention.cuh), which
// decode K and V as they load them; the compute-type cache keeps the variants without it, unchanged.
public sealed unsafe partial class CudaBackend
{
    private const string DecodeAttentionFile = "attention_decode.cu";
    private const string PrefillAttentionFile = "attention_prefill.cu";
    private const string FlashAttentionFile = "attention_flash.cu";

    private const string RopeFile = "rope.cu";

    /// <summary>
    /// The kernels' KV_FORMAT id (attention.cuh) of a cache stored as <paramref name="format"/>: 0 for the compute type
    /// (<paramref name="computeFormat"/>), 1 Q8_0, 2 Q4_0, 3 FP8 (E4M3 with a scale per head); −1 for a format the kernels do not read.
    /// </summary>
    internal static int KvKernelFormat(TensorFormat format, TensorFormat computeFormat) =>
        format == computeFormat ? 0 : format switch
        {
            TensorFormat.Q8_0 => 1,
            TensorFormat.Q4_0 => 2,
            TensorFormat.F8_E4M3 => 3,
            _ => -1,
        };

    /// <summary>
    /// Defines of the attention kernels for heads of <paramref name="headDim"/> reading a cache in KV format
    /// <paramref name="kernelFormat"/>: the compute type needs none (the default variant, as before KV formats existed).
    /// </summary>
    private static string[] AttentionDefines(int headDim, int kernelFormat) =>
        kernelFormat == 0 ? [$"HEAD_DIM={headDim}"] : [$"HEAD_DIM={headDim}", $"KV_FORMAT={kernelFormat}"];

    /// <summary>rope.cu's defines for a cache: none for the compute type, else the format and head width its encoder needs.</summary>
    private static string[] RopeDefines(CudaKvCache kv) =>
        kv.StoresComputeType ? [] : [$"HEAD_DIM={kv.Shape.HeadDim}", $"KV_FORMAT={kv.KernelFormat}"];

    /// <summary>
    /// Compiles the attention kernels for heads of <paramref name="headDim"/> reading KV format <paramref name="kernelFormat"/>,
    /// and for a quantized format rope.cu's encoding cache write (at cache allocation, never under a graph capture).
    /// </summary>
    private void LoadAttention(int headDim, int kernelFormat)
    {
        string[] files = CudaMemoryRule.FlashPrefillApplies(ActivationType, headDim)
            ? [DecodeAttentionFile, PrefillAttentionFile, FlashAttentionFile]
            : [DecodeAttentionFile, PrefillAttentionFile];
        LoadModules(files, AttentionDefines(headDim, kernelFormat));
        if (kernelFormat != 0) LoadModules([RopeFile], [$"HEAD_DIM={headDim}", $"KV_FORMAT={kernelFormat}"]);
        LoadClusterAttention(headDim, kernelFormat);
    }

    /// <summary>
    /// Copies the stored bytes of one layer's K (or V, <paramref name="values"/>) cache — [batch, maxSequence, RowBytes] —
    /// into <paramref name="destination"/>, from the start, after the queued work (tests compare them with the CPU's codecs).
    /// </summary>
    internal void ReadKvCache(KvCache cache, int layer, bool values, Span<byte> destination)
    {
        var kv = cache as CudaKvCache ?? throw new ArgumentException("KV cache belongs to another backend");
        long layerBytes = (long)kv.Shape.Batch * kv.Shape.MaxSequence * kv.RowBytes;
        if ((uint)layer >= (uint)kv.Shape.Layers || destination.Length > layerBytes)
            throw new ArgumentException($"reading {destination.Length} bytes of layer {layer} from a cache of {kv.Shape.Layers} layers of {layerBytes} bytes");
        fixed (byte* p = destination) CopyToHost(p, values ? kv.Values(layer) : kv.Keys(layer), destination.Length);
    }

    /// <summary>Threads of the decode-attention block (ATTN_THREADS in attention_decode.cu).</summary>
    private const int AttentionThreads = 128;

    /// <summary>Most splits of one query's keys: bounds the partial-result scratch and the merge work (MAX_SPLITS in attention_decode.cu).</summary>
    private const int MaxSplits = CudaMemoryRule.MaxSplits;

    /// <summary>Floats per split's partial result (PARTIAL_STRIDE in attention_decode.cu): acc[headDim], max, sum, padded to 16 bytes.</summary>
    private static int PartialStride(int headDim) => CudaMemoryRule.PartialStride(headDim);

    /// <summary>Prefill score rows are padded to this many elements (16-byte aligned rows for cuBLASLt's tensor-core kernels).</summary>
    private const int ScoreRowAlignment = CudaMemoryRule.ScoreRowAlignment;

    private readonly PrefillScratch _prefill = new();

    /// <inheritdoc />
    public void Attention(DeviceTensor q, KvCache cache, int layer, StepLayout step, DeviceTensor output)
    {
        var (qs, o) = (Cuda(q), Cuda(output));
        var kv = cache as CudaKvCache ?? throw new ArgumentException("KV cache belongs to another backend");
        var shape = kv.Shape;
        int headDim = shape.HeadDim, heads = qs.Cols / headDim;
        if (heads * headDim != qs.Cols || heads % shape.KvHeads != 0 || o.Rows != qs.Rows || o.Cols != qs.Cols || qs.Rows != step.Rows ||
            (uint)layer >= (uint)shape.Layers || step.Batch > shape.Batch)
            throw new ArgumentException($"attention: q [{qs.Rows}, {qs.Cols}] with head {headDim} and {shape.KvHeads} KV heads, output [{o.Rows}, {o.Cols}], {step.Rows} rows, layer {layer}");
        Prepare();
        if (step.TokensPerSequence == 1) { if (!_tuning.OmitForTiming.HasFlag(TimingOmission.DecodeAttention)) DecodeAttention(qs, kv, layer, step, heads, o); }
        else if (CanFlashPrefill(shape.HeadDim)) FlashPrefillAttention(qs, kv, layer, step, heads, o);
        else PrefillAttention(qs, kv, layer, step, heads, o);
    }

    /// <summary>Query rows one flash-prefill block handles (FA_ROWS in attention_flash.cu).</summary>
    private const int FlashRows = 64;

    /// <summary>The flash kernel needs 16-bit tensor-core inputs and whole 16-wide steps of the head.</summary>
    private bool CanFlashPrefill(int headDim) =>
        _tuning.FlashPrefill && CudaMemoryRule.FlashPrefillApplies(ActivationType, headDim);

    /// <summary>
    /// Prefill as one kernel per step: the tensor cores compute Q·Kᵀ and P·V tile by tile with the softmax in
    /// registers (attention_flash.cu flash_prefill), reading q and writing the output token-major: no score matrix, no
    /// layout changes. The key range comes from the positions on the device.
    /// </summary>
    private void FlashPrefillAttention(CudaTensor q, CudaKvCache kv, int layer, StepLayout step, int heads, CudaTensor output)
    {
        var shape = kv.Shape;
        float scaleLog2 = (float)(1.0 / Math.Sqrt(shape.HeadDim) * 1.4426950408889634);
        Launch(Kernel(FlashAttentionFile, "flash_prefill_attention", AttentionDefines(shape.HeadDim, kv.KernelFormat)),
            ((step.TokensPerSequence + FlashRows - 1) / FlashRows, heads, step.Batch), AttentionThreads, 0,
            q.Pointer, kv.Keys(layer), kv.Values(layer), Cuda(step.Positions).Pointer, output.Pointer,
            heads, shape.KvHeads, step.TokensPerSequence, shape.MaxSequence, shape.SlidingWindow ?? 0, scaleLog2);
    }

    /// <summary>Query heads one decode block handles: the kernel instantiations g1, g2, g4, g8.</summary>
    private static int GroupTile(int group) => group <= 1 ? 1 : group <= 2 ? 2 : group <= 4 ? 4 : 8;

    /// <summary>
    /// Keys one decode block loads at once, as attention_decode.cu derives it (HeadLayout, ROUNDS): warps × keys per warp
    /// (32 lanes over the lanes one head row needs) × key rounds in flight (4, or 2 for 8-head tiles).
    /// </summary>
    private int DecodeChunk(int headDim, int tile, int threads = AttentionThreads)
    {
        int vector = 16 / ActivationType.SizeOf();
        int perLane = ((headDim + 31) / 32 + vector - 1) / vector * vector;
        int lanes = (headDim + perLane - 1) / perLane;
        int team = 1;
        while (team < lanes) team *= 2;
        return threads / 32 * (32 / team) * (tile <= 4 ? 4 : 2);
    }

    /// <summary>
    /// Splits in the decode grid for <paramref name="rows"/> queries: one chunk of keys per split for the longest
    /// context the cache (or the sliding window) allows, but no more than it takes to give every multiprocessor
    /// <see cref="CudaTuning.DecodeBlocksPerMultiprocessor"/> blocks (a large batch fills the GPU without splitting, and merging
    /// splits costs a write and a read of every partial result), and at most <see cref="MaxSplits"/>. The kernel uses
    /// only as many as the row's position needs, so the grid depends only on shapes: a captured step stays valid.
    /// </summary>
    private int DecodeSplits(KvCacheShape shape, int tile, int rows, int blocksPerSplit)
    {
        int keys = shape.SlidingWindow is int w && w > 0 ? Math.Min(w, shape.MaxSequence) : shape.MaxSequence;
        int chunk = DecodeChunk(shape.HeadDim, tile);
        int fill = (_tuning.DecodeBlocksPerMultiprocessor * Info.Multiprocessors + rows * blocksPerSplit - 1) / (rows * blocksPerSplit);
        return Math.Clamp(Math.Min((keys + chunk - 1) / chunk, fill), 1, MaxSplits);
    }

    /// <summary>Threads of a clustered decode-attention block (twice the plain kernel's, so a cluster covers 1024 keys of a 64-wide head at once).</summary>
    private const int ClusterAttentionThreads = 256;

    /// <summary>Keys one cluster should cover at once: a context of that length merges only in distributed shared memory.</summary>
    private const int ClusterKeys = 1024;

    /// <summary>
    /// Most blocks per head group in clusters (the cache's longest context decides): past it the plain kernel runs.
    /// H200 run 26: the 8B at a 4096-token cache (64 blocks in clusters of 16) lost 1.6% against the plain kernel's
    /// 33 splits; the 1B's 32 blocks (clusters of 8) gained 2.4%.
    /// </summary>
    private const int ClusterSplitLimit = 32;

    // Decode attention of a few rows (≤ 4) in thread-block clusters on sm_90+ (CudaTuning.ClusterAttention): the splits
    // of a head group merge through distributed shared memory instead of a partial write, an atomic and a last-block read
    // through L2. A cluster has 8 blocks, or 16 (not portable, but H100/H200 run them) where 8 would cover fewer than
    // 1024 keys (128-wide heads); caches that need more than ClusterSplitLimit blocks per head group keep the plain
    // kernel. H200 (notes/cuda runs 20, 26): llama-3.2-1b +3.7% at a 768-token cache, +2.2% at 4096; llama-3.1-8b
    // (clusters of 16) +1.4% at 768; clusters of 16 for the 1B −3%, of 8 for the 8B −1.6%.

    /// <summary>Blocks per decode-attention cluster for heads of this width (0: no clusters: before sm_90, or a cluster of 16 still short of <see cref="ClusterKeys"/>).</summary>
    private int AttentionCluster(int headDim)
    {
        if (Info.ComputeMajor < 9) return 0;
        if (_tuning.AttentionClusterSize > 0) return _tuning.AttentionClusterSize;
        int chunk = DecodeChunk(headDim, 4, ClusterAttentionThreads);
        return 8 * chunk >= ClusterKeys ? 8 : 16 * chunk >= ClusterKeys ? 16 : 0;
    }

    private static string[] ClusterAttentionDefines(int headDim, int kernelFormat, int cluster) =>
        [.. AttentionDefines(headDim, kernelFormat), $"ATTN_THREADS={ClusterAttentionThreads}", $"ATTN_CLUSTER={cluster}"];

    /// <summary>Compiles the clustered kernels the heads of this width may use (at cache allocation, never under a graph capture).</summary>
    private void LoadClusterAttention(int headDim, int kernelFormat)
    {
        foreach (int cluster in new[] { AttentionCluster(headDim), _tuning.AttentionClusterSize }.Where(c => c > 0).Distinct())
            LoadModules([DecodeAttentionFile], ClusterAttentionDefines(headDim, kernelFormat, cluster));
    }

    /// <summary>Cluster splits (a multiple of <paramref name="cluster"/>): whole clusters for the longest context, at most <see cref="MaxSplits"/>.</summary>
    private int ClusterSplits(KvCacheShape shape, int tile, int cluster)
    {
        int keys = shape.SlidingWindow is int w && w > 0 ? Math.Min(w, shape.MaxSequence) : shape.MaxSequence;
        int span = cluster * DecodeChunk(shape.HeadDim, tile, ClusterAttentionThreads);
        return Math.Min((keys + span - 1) / span, MaxSplits / cluster) * cluster;
    }

    private void DecodeAttention(CudaTensor q, CudaKvCache kv, int layer, StepLayout step, int heads, CudaTensor output)
    {
        var shape = kv.Shape;
        int group = heads / shape.KvHeads, tile = GroupTile(group), chunks = (group + tile - 1) / tile;
        int blocksPerSplit = shape.KvHeads * chunks;
        int clusterSize = _tuning.ClusterAttention && step.Rows <= 4 ? AttentionCluster(shape.HeadDim) : 0;
        if (clusterSize > 0 && ClusterSplits(shape, tile, clusterSize) > ClusterSplitLimit) clusterSize = 0;
        bool cluster = clusterSize > 0;
        int splits = cluster ? ClusterSplits(shape, tile, clusterSize) : DecodeSplits(shape, tile, step.Rows, blocksPerSplit);
        ulong partial = 0, counters = 0;
        if (splits > 1)
        {
            counters = kv.Counters(shape.Batch * blocksPerSplit, _stream);
            // Sized once for the largest need over every row count the cache allows, so it is never reallocated under a graph.
            long most = cluster ? Math.Min(4, shape.Batch) * splits / clusterSize : 0;
            for (int rows = 1; rows <= shape.Batch; rows++)
                most = Math.Max(most, (long)rows * DecodeSplits(shape, tile, rows, blocksPerSplit));
            partial = kv.Partials(most * heads * PartialStride(shape.HeadDim) * sizeof(float));
        }
        string[] defines = cluster ? ClusterAttentionDefines(shape.HeadDim, kv.KernelFormat, clusterSize) : AttentionDefines(shape.HeadDim, kv.KernelFormat);
        float scaleLog2 = (float)(1.0 / Math.Sqrt(shape.HeadDim) * 1.4426950408889634);
        LaunchClusters(Kernel(DecodeAttentionFile, $"decode_attention_g{tile}", defines), (splits, blocksPerSplit, step.Rows), cluster ? ClusterAttentionThreads : AttentionThreads, 0,
            Math.Max(clusterSize, 1), [q.Pointer, kv.Keys(layer), kv.Values(layer), Cuda(step.Positions).Pointer, partial, counters, output.Pointer,
            heads, shape.KvHeads, step.TokensPerSequence, shape.MaxSequence, shape.SlidingWindow ?? 0, scaleLog2]);
    }

    /// <summary>
    /// Prefill: q goes head-major ([batch, heads, T, headDim]); per sequence, S = Q·Kᵀ (fp32) for all query heads
    /// of each KV head in one batched cuBLASLt product, then the causal softmax, then O = P·V; O goes back to
    /// token-major. The key count is the host's step.EndPosition, so prefill is never captured in a graph. A quantized
    /// cache (Q8_0, Q4_0, FP8) is first decoded, per sequence, into a compute-type scratch of its first `keys` rows
    /// (attention_prefill.cu kv_dequantize), which the products read as they read a compute-type cache.
    /// </summary>
    private void PrefillAttention(CudaTensor q, CudaKvCache kv, int layer, StepLayout step, int heads, CudaTensor output)
    {
        var shape = kv.Shape;
        int headDim = shape.HeadDim, kvHeads = shape.KvHeads, group = heads / kvHeads, tokens = step.TokensPerSequence;
        int keys = step.EndPosition, ld = (keys + ScoreRowAlignment - 1) / ScoreRowAlignment * ScoreRowAlignment;
        int act = ActivationType.SizeOf();
        long qElements = q.Length, scoreElements = (long)heads * tokens * ld;
        _prefill.Ensure(this, qElements * act, scoreElements * sizeof(float), scoreElements * act);
        string[] defines = AttentionDefines(headDim, kv.KernelFormat);
        var transpose = Kernel(PrefillAttentionFile, "transpose_heads", defines);
        Launch(transpose, (GridStride(qElements), 1, 1), ElementwiseThreads, 0, q.Pointer, _prefill.Queries, tokens, heads, 1, qElements);

        int kvDim = kvHeads * headDim, blas = BlasType(ActivationType), rowsPerKv = group * tokens;
        float scale = (float)(1.0 / Math.Sqrt(headDim));
        var softmax = Kernel(PrefillAttentionFile, "causal_softmax", defines);
        ulong positions = Cuda(step.Positions).Pointer;
        long sequenceBytes = shape.MaxSequence * kv.RowBytes;   // one sequence's rows in the cache
        long decodedElements = (long)keys * kvDim;
        var (decodedKeys, decodedValues) = kv.StoresComputeType ? (0UL, 0UL) : _prefill.Decoded(this, decodedElements * act);
        for (int b = 0; b < step.Batch; b++)
        {
            ulong queries = _prefill.Queries + (ulong)((long)b * heads * tokens * headDim * act);
            ulong outputs = _prefill.Outputs + (ulong)((long)b * heads * tokens * headDim * act);
            ulong keysBase = kv.Keys(layer) + (ulong)(b * sequenceBytes);
            ulong valuesBase = kv.Values(layer) + (ulong)(b * sequenceBytes);
            if (!kv.StoresComputeType)
            {
                // [keys, kvDim] in the compute type, one sequence at a time (the products below read it before the next).
                var decode = Kernel(PrefillAttentionFile, "kv_dequantize", defines);
                int grid = GridStride(decodedElements / (16 / act));
                Launch(decode, (grid, 1, 1), ElementwiseThreads, 0, keysBase, decodedKeys, keys, kvHeads);
                Launch(decode, (grid, 1, 1), ElementwiseThreads, 0, valuesBase, decodedValues, keys, kvHeads);
                (keysBase, valuesBase) = (decodedKeys, decodedValues);
            }
            // S[g] = Q[g] · K[g]ᵀ: [group·T, keys] per KV head g, fp32.
            var scores = new GemmShape(TransposeB: true, M: rowsPerKv, N: keys, K: headDim, InputType: blas, OutputType: CudaBlasF32,
                Lda: headDim, StrideA: (long)rowsPerKv * headDim, Ldb: kvDim, StrideB: headDim, Ldc: ld, StrideC: (long)rowsPerKv * ld, Batch: kvHeads,
                AlignA: CublasLtGemm.Alignment(queries, act, headDim, (long)rowsPerKv * headDim),
                AlignB: CublasLtGemm.Alignment(keysBase, act, kvDim, headDim),
                AlignC: CublasLtGemm.Alignment(_prefill.Scores, sizeof(float), ld, (long)rowsPerKv * ld));
            _gemm.Run(scores, queries, keysBase, _prefill.Scores, _stream);
            Launch(softmax, (heads * tokens, 1, 1), ElementwiseThreads, 0, _prefill.Scores, _prefill.Probabilities,
                positions + (ulong)((long)b * tokens * sizeof(int)), tokens, keys, ld, shape.SlidingWindow ?? 0, scale);
            // O[g] = P[g] · V[g]: [group·T, headDim] per KV head g.
            var values = new GemmShape(TransposeB: false, M: rowsPerKv, N: headDim, K: keys, InputType: blas, OutputType: blas,
                Lda: ld, StrideA: (long)rowsPerKv * ld, Ldb: kvDim, StrideB: headDim, Ldc: headDim, StrideC: (long)rowsPerKv * headDim, Batch: kvHeads,
                AlignA: CublasLtGemm.Alignment(_prefill.Probabilities, act, ld, (long)rowsPerKv * ld),
                AlignB: CublasLtGemm.Alignment(valuesBase, act, kvDim, headDim),
                AlignC: CublasLtGemm.Alignment(outputs, act, headDim, (long)rowsPerKv * headDim));
            _gemm.Run(values, _prefill.Probabilities, valuesBase, outputs, _stream);
        }
        Launch(transpose, (GridStride(qElements), 1, 1), ElementwiseThreads, 0, _prefill.Outputs, output.Pointer, tokens, heads, 0, qElements);
    }

    private const int CudaBlasF32 = Interop.CublasLt.R32F;

    /// <summary>Prefill attention scratch, grown to the largest step seen (prefill is never captured, so growing is safe).</summary>
    private sealed class PrefillScratch : IDisposable
    {
        private DeviceBuffer? _queries, _outputs, _scores, _probabilities, _products, _decodedKeys, _decodedValues;

        public ulong Queries => _queries!.Pointer;            // (batch, heads, T, headDim)
        public ulong Outputs => _outputs!.Pointer;            // (batch, heads, T, headDim)
        public ulong Scores => _scores!.Pointer;              // (heads, T, ld) fp32, one sequence
        public ulong Probabilities => _probabilities!.Pointer; // (heads, T, ld), one sequence

        public void Ensure(CudaBackend backend, long headMajorBytes, long scoreBytes, long probabilityBytes)
        {
            Grow(ref _queries, headMajorBytes, backend);
            Grow(ref _outputs, headMajorBytes, backend);
            Grow(ref _scores, scoreBytes, backend);
            Grow(ref _probabilities, probabilityBytes, backend);
        }

        /// <summary>(rows, qDim + 2·kvDim): the fused q/k/v product of a prefill step, which RoPE splits.</summary>
        public ulong Products(CudaBackend backend, long bytes)
        {
            Grow(ref _products, bytes, backend);
            return _products!.Pointer;
        }

        /// <summary>(keys, kvDim) each in the compute type: one sequence's K and V decoded from a quantized cache.</summary>
        public (ulong Keys, ulong Values) Decoded(CudaBackend backend, long bytes)
        {
            Grow(ref _decodedKeys, bytes, backend);
            Grow(ref _decodedValues, bytes, backend);
            return (_decodedKeys!.Pointer, _decodedValues!.Pointer);
        }

        private static void Grow(ref DeviceBuffer? buffer, long bytes, CudaBackend backend)
        {
            if (buffer is not null && buffer.Bytes >= bytes) return;
            if (buffer is not null)
            {
                // Queued kernels may still read the old buffer: let them finish before it is freed.
                Interop.CudaDriver.Check(Interop.CudaDriver.cuStreamSynchronize(backend._stream.Value));
                buffer.Dispose();
                buffer = null;
            }
            buffer = backend._allocator.Allocate(bytes, MemoryCategory.Activations);
        }

        public void Dispose()
        {
            _queries?.Dispose();
            _outputs?.Dispose();
            _scores?.Dispose();
            _probabilities?.Dispose();
            _products?.Dispose();
            _decodedKeys?.Dispose();
            _decodedValues?.Dispose();
        }
    }
}
