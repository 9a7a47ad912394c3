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
        if (i.DType != DType.I32 || y.Rows != i.Rows || y.Cols != w.Cols || y.DType != w.DType)
            throw new ArgumentException($"embedding: ids [{i.Rows}, {i.Cols}] {i.DType}, {w.Name} [{w.Rows}, {w.Cols}] {w.DType} → [{y.Rows}, {y.Cols}] {y.DType}");
        Prepare();
        Launch(Kernel("embedding.cu", "embedding"), (y.Rows, 1, 1), 128, 0, i.Pointer, w.Pointer, y.Pointer, w.Rows, w.Cols, _status.Pointer);
    }

    /// <inheritdoc />
    public void RmsNorm(DeviceTensor x, DeviceWeight weight, float eps, DeviceTensor output)
    {
        var (xs, w, y) = (Cuda(x), Cuda(weight), Cuda(output));
        int group = w.Cols;
        if (group == 0 || xs.Cols % group != 0 || y.Rows != xs.Rows || y.Cols != xs.Cols || w.DType != DType.F32)
            throw new ArgumentException($"RMSNorm: row width {xs.Cols} is not a multiple of {w.Name} length {group} (or output [{y.Rows}, {y.Cols}] differs)");
        Prepare();
        bool vector = NormVectorized(group);
        Launch(Kernel("rmsnorm.cu", vector ? "rms_norm" : "rms_norm_scalar"), (xs.Cols / group, xs.Rows, 1), vector ? NormVectorThreads(group) : NormThreads(group), 0,
            xs.Pointer, w.Pointer, eps, y.Pointer, xs.Cols, group);
    }

    /// <inheritdoc />
    public void AddRmsNorm(DeviceTensor residual, DeviceTensor delta, DeviceWeight weight, float eps, DeviceTensor output)
    {
        var (r, d, w, y) = (Cuda(residual), Cuda(delta), Cuda(weight), Cuda(output));
        if (r.Cols != w.Cols || d.Rows != r.Rows || d.Cols != r.Cols || y.Rows != r.Rows || y.Cols != r.Cols)
            throw new ArgumentException($"AddRmsNorm: residual [{r.Rows}, {r.Cols}], delta [{d.Rows}, {d.Cols}], {w.Name} [{w.Cols}], output [{y.Rows}, {y.Cols}]");
        Prepare();
        bool vector = NormVectorized(r.Cols);
        Launch(Kernel("rmsnorm.cu", vector ? "add_rms_norm" : "add_rms_norm_scalar"), (r.Rows, 1, 1), vector ? NormVectorThreads(r.Cols) : NormThreads(r.Cols), 0,
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
        var (xs, w, y) = (Cuda(x), Cuda(weight), Cuda(output));
        int n = xs.Rows, k = xs.Cols, m = w.Rows;
        if (w.Cols != k || y.Cols != m || y.Rows != n || xs.DType != ActivationType || w.DType != ActivationType || y.DType is not (DType.F32 or DType.BF16 or DType.F16) ||
            (y.DType != DType.F32 && y.DType != ActivationType))
            throw new ArgumentException($"matmul shapes: x [{n}, {k}] {xs.DType} · {w.Name} [{m}, {w.Cols}]ᵀ {w.DType} → y [{y.Rows}, {y.Cols}] {y.DType}");
        CudaWeight? b = bias is null ? null : Cuda(bias);
        if (b is not null && (b.Cols != m || b.DType != DType.F32)) throw new ArgumentException($"bias {b.Name} has {b.Cols} values for {m} outputs");
        if (n == 0) return;
        MakeCurrent();
        bool f32Out = y.DType == DType.F32;
        if (n <= GemvRowLimit && k % (16 / ActivationType.SizeOf()) == 0)
        {
            var product = new PendingProduct(xs, w, b, y);
            if (!f32Out && FuseProducts) Defer(product);
            else
            {
                FlushProducts();
                LaunchGemv([product]);
            }
            return;
        }
        FlushProducts();
        int elementBytes = ActivationType.SizeOf(), outBytes = y.DType.SizeOf();
        var shape = new GemmShape(TransposeB: true, M: n, N: m, K: k, InputType: BlasType(ActivationType), OutputType: BlasType(y.DType),
            Lda: k, StrideA: 0, Ldb: k, StrideB: 0, Ldc: m, StrideC: 0, Batch: 1,
            AlignA: CublasLtGemm.Alignment(xs.Pointer, elementBytes, k), AlignB: CublasLtGemm.Alignment(w.Pointer, elementBytes, k),
            AlignC: CublasLtGemm.Alignment(y.Pointer, outBytes, m));
        _gemm.Run(shape, xs.Pointer, w.Pointer, y.Pointer, _stream);
        if (b is not null)
        {
            long count = (long)n * m;
            Launch(Kernel("elementwise.cu", f32Out ? "add_bias_f32" : "add_bias"), (GridStride(count), 1, 1), ElementwiseThreads, 0, y.Pointer, b.Pointer, m, count);
        }
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
        var table = rope as CudaRopeTable ?? throw new ArgumentException("rope table belongs to another backend");
        var kv = cache as CudaKvCache ?? throw new ArgumentException("KV cache belongs to another backend");
        var shape = kv.Shape;
        int headDim = shape.HeadDim, heads = qs.Cols / headDim;
        if (rope.HeadDim != headDim || qs.Rows != step.Rows || ks.Rows != step.Rows || vs.Rows != step.Rows ||
            ks.Cols != shape.KvHeads * headDim || vs.Cols != ks.Cols || heads * headDim != qs.Cols || (uint)layer >= (uint)shape.Layers)
            throw new ArgumentException($"rope: q [{qs.Rows}, {qs.Cols}], k [{ks.Rows}, {ks.Cols}], v [{vs.Rows}, {vs.Cols}] for {step.Rows} rows, head {headDim}, layer {layer}");
        if (step.Batch > shape.Batch) throw new ArgumentException($"a step of {step.Batch} sequences does not fit a cache for {shape.Batch}");
        Prepare();
        // One thread per rotated pair (or copied value) where possible: latency, not bandwidth, bounds a decode row.
        int ropeThreads = Math.Clamp((Math.Max(heads * headDim / 2, ks.Cols) + 31) / 32 * 32, 32, 1024);
        Launch(Kernel("rope.cu", "rope_and_cache"), (step.Rows, 1, 1), ropeThreads, 0,
            qs.Pointer, ks.Pointer, vs.Pointer, table.Cos, table.Sin, Cuda(step.Positions).Pointer, kv.Keys(layer), kv.Values(layer),
            heads, shape.KvHeads, headDim, step.TokensPerSequence, shape.MaxSequence, rope.MaxPositions, _status.Pointer);
    }

    /// <inheritdoc />
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor output)
    {
        var (g, u, y) = (Cuda(gate), Cuda(up), Cuda(output));
        if (g.Length != u.Length || y.Length != g.Length) throw new ArgumentException($"swiglu: gate [{g.Rows}, {g.Cols}], up [{u.Rows}, {u.Cols}], output [{y.Rows}, {y.Cols}]");
        MakeCurrent();
        // MatMul(gate), MatMul(up), SwiGlu(gate, up, gate) held back together: one kernel computes both rows and the activation.
        if (_pending.Count == 2 && _pending[0].Y.Pointer == g.Pointer && _pending[1].Y.Pointer == u.Pointer && y.Pointer == g.Pointer &&
            _pending[0].W.Rows == _pending[1].W.Rows && g.Length == _pending[0].Y.Length)
        {
            var (gp, upProduct) = (_pending[0], _pending[1]);
            _pending.Clear();
            var (defines, rowsPerBlock, threads) = _gemvOverride is null ? ([], Wide.RowsPerBlock, Wide.Threads) : Gemv(gp.W.Rows, gp.X.Cols);
            Launch(Kernel("gemv.cu", $"gemv_gate_up{gp.X.Rows}", defines), ((gp.W.Rows + rowsPerBlock - 1) / rowsPerBlock, 1, 1), threads, 0,
                gp.X.Pointer, gp.X.Cols, gp.W.Pointer, gp.Bias?.Pointer ?? 0UL, gp.Y.Pointer, upProduct.W.Pointer, upProduct.Bias?.Pointer ?? 0UL, upProduct.Y.Pointer, gp.W.Rows);
            return;
        }
        FlushProducts();
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
        Launch(Kernel("argmax.cu", l.DType == DType.F32 ? "argmax_f32" : "argmax_act"), (slices, l.Rows, 1), 512, 0,
            l.Pointer, o.Pointer, l.Cols, values, indices, counters);
    }

    /// <summary>Logits one argmax block scans (a 128k vocabulary spreads over 16 SMs).</summary>
    private const long ArgmaxSliceElements = 8192;

    /// <summary>Most blocks per argmax row (bounds the scratch).</summary>
    private const int ArgmaxMaxSlices = 64;

    private DeviceBuffer? _argmaxScratch;
    private int _argmaxRows;

    /// <summary>A decode-sized product held back so products sharing x (q/k/v; gate/up + SwiGLU) run as one kernel.</summary>
    private sealed record PendingProduct(CudaTensor X, CudaWeight W, CudaWeight? Bias, CudaTensor Y);

    /// <summary>Most products one GEMV launch serves (the kernel takes three weight/bias/output sets).</summary>
    private const int MaxFusedProducts = 3;

    private readonly List<PendingProduct> _pending = [];
    private string[]? _gemvOverride;   // a variant forced by the kernel lab; null: chosen per shape

    /// <summary>The GEMV shape for rows that are many and short (gemv.cu's defaults): 4 warps, one row each.</summary>
    private static readonly GemvVariant Wide = new(4, 1, 4);

    /// <summary>The GEMV shape for few or long rows: 8 warps, 4 per row (split over k), so more warps stream each matrix.</summary>
    private static readonly GemvVariant Split = new(8, 4, 4);

    /// <summary>
    /// The kernel lab's choice on an H200 (notes/cuda): split rows pay off when k ≥ 8192 (down projections) or when a
    /// matrix has few rows for its length (m ≤ 6144 with k ≥ 4096: q/k/v and o of an 8B model).
    /// </summary>
    private static GemvVariant ChooseGemv(int rows, int k) => k >= 8192 || (rows <= 6144 && k >= 4096) ? Split : Wide;

    private sealed record GemvVariant(int Warps, int SplitWarps, int Unroll)
    {
        public string[] Defines { get; } = [$"GEMV_WARPS={Warps}", $"GEMV_SPLIT={SplitWarps}", $"GEMV_UNROLL={Unroll}"];
        public int RowsPerBlock => Warps / SplitWarps;
        public int Threads => Warps * 32;
    }

    private (string[] Defines, int RowsPerBlock, int Threads) Gemv(int rows, int k)
    {
        if (_gemvOverride is { } forced)
        {
            var (warps, split) = (int.Parse(forced[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(forced[1].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
            return (forced, warps / split, warps * 32);
        }
        var v = ChooseGemv(rows, k);
        return (v == Wide ? [] : v.Defines, v.RowsPerBlock, v.Threads);
    }

    /// <summary>Rows up to which products run as the GEMV (≤ the 4 instantiated); more go to cuBLASLt.</summary>
    internal int GemvRowLimit
    {
        get => _gemvRowLimit;
        set => _gemvRowLimit = Math.Clamp(value, 0, 4);
    }

    private int _gemvRowLimit = GemvMaxRows;

    /// <summary>Hold back decode products to fuse them (benchmarks compare with and without).</summary>
    internal bool FuseProducts { get; set; } = true;

    /// <summary>Switches the GEMV kernels to another shape (the kernel lab sweeps these); products queued afterwards use it.</summary>
    internal void UseGemvVariant(int warps, int split, int unroll)
    {
        Prepare();
        _gemvOverride = [$"GEMV_WARPS={warps}", $"GEMV_SPLIT={split}", $"GEMV_UNROLL={unroll}"];
        LoadModules(["gemv.cu"], _gemvOverride);
    }

    /// <summary>Back to the per-shape choice.</summary>
    internal void UseAutomaticGemv()
    {
        Prepare();
        _gemvOverride = null;
    }

    private void Defer(PendingProduct product)
    {
        if (_pending.Count > 0)
        {
            var first = _pending[0].X;
            bool joins = _pending.Count < MaxFusedProducts && first.Pointer == product.X.Pointer && first.Rows == product.X.Rows &&
                         first.Cols == product.X.Cols && product.Y.Pointer != product.X.Pointer && _pending.All(p => p.Y.Pointer != product.Y.Pointer);
            if (!joins) FlushProducts();
        }
        _pending.Add(product);
    }

    /// <summary>Queues the held-back products (one launch for all of them).</summary>
    private void FlushProducts()
    {
        if (_pending.Count == 0) return;
        var products = _pending.ToArray();
        _pending.Clear();
        LaunchGemv(products);
    }

    private void LaunchGemv(PendingProduct[] products)
    {
        var x = products[0].X;
        bool f32Out = products[0].Y.DType == DType.F32;
        int rows = products.Sum(p => p.W.Rows);
        KernelArg[] args = new KernelArg[2 + 4 * MaxFusedProducts];
        args[0] = x.Pointer;
        args[1] = x.Cols;
        for (int i = 0; i < MaxFusedProducts; i++)
        {
            var p = i < products.Length ? products[i] : null;
            args[2 + 4 * i] = p?.W.Pointer ?? 0UL;
            args[3 + 4 * i] = p?.Bias?.Pointer ?? 0UL;
            args[4 + 4 * i] = p?.Y.Pointer ?? 0UL;
            args[5 + 4 * i] = p?.W.Rows ?? 0;
        }
        var (defines, rowsPerBlock, threads) = Gemv(rows, x.Cols);
        Launch(Kernel("gemv.cu", $"gemv{x.Rows}_{(f32Out ? "f32" : "act")}", defines), ((rows + rowsPerBlock - 1) / rowsPerBlock, 1, 1), threads, 0, args);
    }
}
