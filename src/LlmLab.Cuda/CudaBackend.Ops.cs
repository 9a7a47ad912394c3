using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// The row-wise ops of a decoder step and the matrix products. Every op checks shapes on the host and queues kernels.
public sealed partial class CudaBackend
{
    /// <summary>Threads of the elementwise kernels' blocks.</summary>
    private const int ElementwiseThreads = 256;

    /// <summary>Upper bound on grid-stride blocks (enough to fill any GPU several times over).</summary>
    private const int MaxGridStrideBlocks = 65536;


    /// <inheritdoc />
    public void Embedding(DeviceTensor ids, DeviceWeight table, DeviceTensor output)
    {
        var (i, w, y) = (Cuda(ids), Cuda(table), Cuda(output));
        if (i.DType != DType.I32 || y.Rows != i.Rows || y.Cols != w.Cols || y.DType != (w.Quantized ? ActivationType : w.DType))
            throw new ArgumentException($"embedding: ids [{i.Rows}, {i.Cols}] {i.DType}, {w.Name} [{w.Rows}, {w.Cols}] {w.Format} → [{y.Rows}, {y.Cols}] {y.DType}");
        Prepare();
        // The trailing (statistics, count) arguments clear the norm statistics of gemv.cu's norm-fusing kernels, which
        // no op launches: none to clear.
        if (w.Quantized)
        {
            // The looked-up rows are dequantized from their blocks (a GGUF token_embd is often Q4_K, Q6_K or Q8_0).
            LaunchDequantRows(w, i.Pointer, first: 0, y.Rows, vocab: w.Rows, y.Pointer, statsPointer: 0UL, statsCount: 0);
            return;
        }
        Launch(Kernel("embedding.cu", "embedding"), (y.Rows, 1, 1), 128, 0, i.Pointer, w.Pointer, y.Pointer, w.Rows, w.Cols, _status.Pointer,
            0UL, 0);
    }

    /// <inheritdoc />
    public void RmsNorm(DeviceTensor x, DeviceWeight weight, float eps, DeviceTensor output)
    {
        var (xs, w, y) = (Cuda(x), Cuda(weight), Cuda(output));
        int group = w.Cols;
        if (group == 0 || xs.Cols % group != 0 || y.Rows != xs.Rows || y.Cols != xs.Cols || w.DType != DType.F32)
            throw new ArgumentException($"RMSNorm: row width {xs.Cols} is not a multiple of {w.Name} length {group} (or output [{y.Rows}, {y.Cols}] differs)");
        MakeCurrent();
        Prepare();
        LaunchNorm(xs, w, eps, y);
    }

    private void LaunchNorm(CudaTensor x, CudaWeight w, float eps, CudaTensor y)
    {
        int group = w.Cols;
        bool vector = NormVectorized(group);
        Launch(Kernel("rmsnorm.cu", vector ? "rms_norm" : "rms_norm_scalar", NormDefines), (x.Cols / group, x.Rows, 1), vector ? NormVectorThreads(group) : NormThreads(group), 0,
            x.Pointer, w.Pointer, eps, y.Pointer, x.Cols, group);
    }

    /// <inheritdoc />
    public void AddRmsNorm(DeviceTensor residual, DeviceTensor delta, DeviceWeight weight, float eps, DeviceTensor output)
    {
        var (r, d, w, y) = (Cuda(residual), Cuda(delta), Cuda(weight), Cuda(output));
        if (r.Cols != w.Cols || d.Rows != r.Rows || d.Cols != r.Cols || y.Rows != r.Rows || y.Cols != r.Cols)
            throw new ArgumentException($"AddRmsNorm: residual [{r.Rows}, {r.Cols}], delta [{d.Rows}, {d.Cols}], {w.Name} [{w.Cols}], output [{y.Rows}, {y.Cols}]");
        Prepare();
        if (_tuning.OmitForTiming.HasFlag(TimingOmission.AddNorms) && r.Rows <= _tuning.GemvRowLimit) return;
        bool vector = NormVectorized(r.Cols);
        Launch(Kernel("rmsnorm.cu", vector ? "add_rms_norm" : "add_rms_norm_scalar", NormDefines), (r.Rows, 1, 1), vector ? NormVectorThreads(r.Cols) : NormThreads(r.Cols), 0,
            r.Pointer, d.Pointer, w.Pointer, eps, y.Pointer, r.Cols);
    }

    /// <summary>16-byte chunks a norm thread keeps in registers (NORM_CHUNKS in rmsnorm.cu).</summary>
    private const int NormChunksPerThread = 4;

    /// <summary>Whether a norm group is whole 16-byte chunks that one block can hold in registers.</summary>
    private bool NormVectorized(int group)
    {
        int vector = 16 / ActivationType.SizeOf();
        return group % vector == 0 && group / vector <= NormChunksPerThread * 1024;
    }

    /// <summary>One 16-byte chunk per thread where the group allows (whole warps, 32..1024 threads).</summary>
    private int NormVectorThreads(int group) => Math.Clamp((group / (16 / ActivationType.SizeOf()) + 31) / 32 * 32, 32, 1024);

    /// <summary>A block per norm group for the scalar kernels: about 8 elements per thread, whole warps, 32..1024 threads.</summary>
    private static int NormThreads(int group) => Math.Clamp((group / 8 + 31) / 32 * 32, 32, 1024);

    /// <inheritdoc />
    public void MatMul(DeviceTensor x, DeviceWeight weight, DeviceWeight? bias, DeviceTensor output)
    {
        // One product, launched now (products that share x run together through the fused ops, CudaBackend.Fusion.cs).
        var product = CheckProduct(x, weight, bias, output);
        if (product.X.Rows == 0) return;
        Prepare();
        RunProduct(product);
    }

    /// <summary>A product through cuBLASLt (more rows than the GEMV serves), with its bias added after.</summary>
    private void RunGemm(Product p)
    {
        int m = p.W.Rows;
        if (p.W.Quantized) RunQuantGemm(p);
        else Gemm(p.X, p.W.Pointer, m, p.Y.Pointer, p.Y.DType);
        if (p.Bias is not null)
        {
            long count = (long)p.X.Rows * m;
            Launch(Kernel("elementwise.cu", p.Y.DType == DType.F32 ? "add_bias_f32" : "add_bias"), (GridStride(count), 1, 1), ElementwiseThreads, 0,
                p.Y.Pointer, p.Bias.Pointer, m, count);
        }
    }

    /// <summary>y[n, m] = x[n, k] · W[m, k]ᵀ through cuBLASLt, for W at <paramref name="weights"/> and a dense y of m columns.</summary>
    private void Gemm(CudaTensor x, ulong weights, int m, ulong y, DType yType)
    {
        int n = x.Rows, k = x.Cols, elementBytes = ActivationType.SizeOf(), outBytes = yType.SizeOf();
        var shape = new GemmShape(TransposeB: true, M: n, N: m, K: k, InputType: BlasType(ActivationType), OutputType: BlasType(yType),
            Lda: k, StrideA: 0, Ldb: k, StrideB: 0, Ldc: m, StrideC: 0, Batch: 1,
            AlignA: CublasLtGemm.Alignment(x.Pointer, elementBytes, k), AlignB: CublasLtGemm.Alignment(weights, elementBytes, k),
            AlignC: CublasLtGemm.Alignment(y, outBytes, m));
        _gemm.Run(shape, x.Pointer, weights, y, _stream);
    }

    private static int BlasType(DType t) => t switch
    {
        DType.BF16 => CublasLt.R16BF,
        DType.F16 => CublasLt.R16F,
        DType.F32 => CublasLt.R32F,
        _ => throw new ArgumentException($"cuBLASLt products take BF16, F16 or F32, not {t}"),
    };

    private static int GridStride(long elements) => (int)Math.Clamp((elements + ElementwiseThreads - 1) / ElementwiseThreads, 1, MaxGridStrideBlocks);

    /// <inheritdoc />
    public void Add(DeviceTensor residual, DeviceTensor delta)
    {
        var (r, d) = (Cuda(residual), Cuda(delta));
        if (r.Length != d.Length || r.DType != d.DType) throw new ArgumentException($"add: [{r.Rows}, {r.Cols}] += [{d.Rows}, {d.Cols}]");
        Prepare();
        Launch(Kernel("elementwise.cu", "add_inplace"), (GridStride(r.Length), 1, 1), ElementwiseThreads, 0, r.Pointer, d.Pointer, r.Length);
    }

    /// <inheritdoc />
    public void RopeAndCache(DeviceTensor q, DeviceTensor k, DeviceTensor v, RopeTable rope, StepLayout step, KvCache cache, int layer)
    {
        var (qs, ks, vs) = (Cuda(q), Cuda(k), Cuda(v));
        var (table, kv) = CheckRope(qs, ks, vs, rope, step, cache, layer);
        Prepare();
        LaunchRope(new RopeInputs(qs.Pointer, qs.Cols, ks.Pointer, ks.Cols, vs.Pointer, vs.Cols), qs, ks, null, table, step, kv, layer);
    }

    /// <summary>Checks RopeAndCache's shapes (q, k, v for the step's rows, the cache's heads and layers) and that the table and cache are this backend's.</summary>
    private static (CudaRopeTable Table, CudaKvCache Cache) CheckRope(CudaTensor qs, CudaTensor ks, CudaTensor vs, RopeTable rope, StepLayout step, KvCache cache, int layer)
    {
        var table = rope as CudaRopeTable ?? throw new ArgumentException("rope table belongs to another backend");
        var kv = cache as CudaKvCache ?? throw new ArgumentException("KV cache belongs to another backend");
        var shape = kv.Shape;
        int headDim = shape.HeadDim, heads = qs.Cols / headDim;
        if (rope.HeadDim != headDim || qs.Rows != step.Rows || ks.Rows != step.Rows || vs.Rows != step.Rows ||
            ks.Cols != shape.KvHeads * headDim || vs.Cols != ks.Cols || heads * headDim != qs.Cols || (uint)layer >= (uint)shape.Layers)
            throw new ArgumentException($"rope: q [{qs.Rows}, {qs.Cols}], k [{ks.Rows}, {ks.Cols}], v [{vs.Rows}, {vs.Cols}] for {step.Rows} rows, head {headDim}, layer {layer}");
        if (step.Batch > shape.Batch) throw new ArgumentException($"a step of {step.Batch} sequences does not fit a cache for {shape.Batch}");
        return (table, kv);
    }

    /// <summary>Where RopeAndCache reads q, k and v: each [rows, ld] (the outputs themselves, or column blocks of one product).</summary>
    private readonly record struct RopeInputs(ulong Q, int QLd, ulong K, int KLd, ulong V, int VLd);

    /// <summary>RoPE on q and k into <paramref name="q"/> and <paramref name="k"/>, k and v into the cache, v also into <paramref name="v"/> when given.</summary>
    private void LaunchRope(RopeInputs from, CudaTensor q, CudaTensor k, CudaTensor? v, CudaRopeTable table, StepLayout step, CudaKvCache kv, int layer)
    {
        var shape = kv.Shape;
        int headDim = shape.HeadDim, heads = q.Cols / headDim;
        // One thread per rotated pair (or copied value) where possible: latency, not bandwidth, bounds a decode row.
        int ropeThreads = Math.Clamp((Math.Max(heads * headDim / 2, k.Cols) + 31) / 32 * 32, 32, 1024);
        Launch(Kernel("rope.cu", "rope_and_cache", RopeDefines(kv)), (step.Rows, 1, 1), ropeThreads, 0,
            from.Q, from.QLd, from.K, from.KLd, from.V, from.VLd, q.Pointer, k.Pointer, v?.Pointer ?? 0UL,
            table.Cos, table.Sin, Cuda(step.Positions).Pointer, kv.Keys(layer), kv.Values(layer),
            heads, shape.KvHeads, headDim, step.TokensPerSequence, shape.MaxSequence, table.MaxPositions, _status.Pointer);
    }

    /// <inheritdoc />
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor output)
    {
        var (g, u, y) = (Cuda(gate), Cuda(up), Cuda(output));
        if (g.Length != u.Length || y.Length != g.Length) throw new ArgumentException($"swiglu: gate [{g.Rows}, {g.Cols}], up [{u.Rows}, {u.Cols}], output [{y.Rows}, {y.Cols}]");
        Prepare();
        Launch(Kernel("elementwise.cu", "swiglu"), (GridStride(g.Length), 1, 1), ElementwiseThreads, 0, g.Pointer, u.Pointer, y.Pointer, g.Length);
    }

    /// <inheritdoc />
    public void LastRows(DeviceTensor x, StepLayout step, DeviceTensor output)
    {
        var (xs, y) = (Cuda(x), Cuda(output));
        if (xs.Rows != step.Rows || y.Rows < step.Batch || y.Cols != xs.Cols || y.DType != xs.DType)
            throw new ArgumentException($"last rows: x [{xs.Rows}, {xs.Cols}] for {step.Rows} rows → [{y.Rows}, {y.Cols}]");
        Prepare();
        Launch(Kernel("elementwise.cu", "last_rows"), (step.Batch, 1, 1), ElementwiseThreads, 0, xs.Pointer, y.Pointer, step.TokensPerSequence, xs.Cols);
    }

    /// <inheritdoc />
    public void Argmax(DeviceTensor logits, DeviceTensor ids)
    {
        var (l, o) = (Cuda(logits), Cuda(ids));
        if (o.DType != DType.I32 || o.Length < l.Rows) throw new ArgumentException($"argmax of {l.Rows} rows into an {o.DType} tensor of {o.Length}");
        Prepare();
        int slices = (int)Math.Clamp((l.Cols + ArgmaxSliceElements - 1) / ArgmaxSliceElements, 1, ArgmaxMaxSlices);
        if (_argmaxScratch is null || _argmaxRows < l.Rows)
        {
            // Sized generously on first use (possibly while a graph is captured); growing it later would strand graphs that use it.
            if (_argmaxScratch is not null) NotCapturing("growing the argmax scratch");
            _argmaxScratch?.Dispose();
            _argmaxRows = Math.Max(l.Rows, 64);
            // (rows · slices) values and indices, then rows counters (zeroed once; the kernel resets them).
            _argmaxScratch = _allocator.Allocate((long)_argmaxRows * (2 * ArgmaxMaxSlices + 1) * sizeof(int), MemoryCategory.Activations);
            CudaDriver.Check(CudaDriver.cuMemsetD8Async(_argmaxScratch.Pointer, 0, (nuint)_argmaxScratch.Bytes, _stream.Value));
        }
        ulong values = _argmaxScratch.Pointer, indices = values + (ulong)(_argmaxRows * ArgmaxMaxSlices * sizeof(int));
        ulong counters = indices + (ulong)(_argmaxRows * ArgmaxMaxSlices * sizeof(int));
        var argmax = new PendingArgmax(Kernel("argmax.cu", l.DType == DType.F32 ? "argmax_f32" : "argmax_act"), slices, l.Rows, l.Pointer, o.Pointer, l.Cols, values, indices, counters);
        // Held back (outside graph capture) so a queued read of the ids can ride on it (CudaBackend.QueuedReads.cs).
        if (_capturing || !_tuning.QueuedReadsInKernel) LaunchArgmax(argmax, 0);
        else _pendingArgmax = argmax;
    }

    /// <summary>An argmax held back until the next op, or a queued read of its ids, which it then writes to the host itself.</summary>
    private sealed record PendingArgmax(nint Function, int Slices, int Rows, ulong Logits, ulong Ids, int Cols, ulong Values, ulong Indices, ulong Counters);

    private PendingArgmax? _pendingArgmax;

    private void LaunchArgmax(PendingArgmax a, ulong host) =>
        Launch(a.Function, (a.Slices, a.Rows, 1), 512, 0, a.Logits, a.Ids, a.Cols, a.Values, a.Indices, a.Counters, host, _status.Pointer);

    /// <summary>Queues what is held back: only an argmax, for a queued read of its ids to ride on (CudaBackend.QueuedReads.cs).</summary>
    private void FlushPending() => FlushArgmax();

    private void FlushArgmax()
    {
        if (_pendingArgmax is not { } a) return;
        _pendingArgmax = null;
        LaunchArgmax(a, 0);
    }

    /// <summary>Logits one argmax block scans: one float4 per thread of 512 (a 128k vocabulary spreads over 63 SMs).</summary>
    private const long ArgmaxSliceElements = 2048;

    /// <summary>Most blocks per argmax row (bounds the scratch).</summary>
    private const int ArgmaxMaxSlices = 64;

    private DeviceBuffer? _argmaxScratch;
    private int _argmaxRows;
}
