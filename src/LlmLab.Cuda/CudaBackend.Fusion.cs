using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// Ops held back so that several run as one kernel. A decode step (a few rows) is bound by per-kernel latency as much
// as by bandwidth, so: products that share x run as one GEMV launch (q/k/v; gate/up with SwiGLU); RoPE and the
// KV-cache write ride on the q/k/v products where those run one warp per row. With FuseNorms (off: measured slower), a decode AddRmsNorm
// costs no kernel: the product that makes the delta (o, down) adds it to the residual and leaves the norm's input
// statistics (u = residual·w and Σ residual², gemv.cu), and the products that read the norm's output take (x = u)·Wᵀ
// scaled by 1/rms (gemv.cu *_norm). Prefill's q, k and v run as one cuBLASLt product when their weights lie back to
// back (IWeightGroups), with RoPE reading its column blocks. Every fused path leaves memory as the separate ops would,
// up to where a value is rounded (a fused norm's h is u/rms, u rounded once).
public sealed partial class CudaBackend
{
    /// <summary>A product held back so products sharing x run as one launch; <paramref name="Gemv"/>: decode-sized (else cuBLASLt).</summary>
    private sealed record PendingProduct(CudaTensor X, CudaWeight W, CudaWeight? Bias, CudaTensor Y, bool Gemv);

    /// <summary>
    /// An RMSNorm y = RMSNorm(x)·w of decode rows (x: the residual, already updated) held back for the products that
    /// read y; <paramref name="U"/> = x·w and <paramref name="Stats"/> (Σ x² per row, fp32) were left by the product
    /// that updated x, so those products compute y themselves.
    /// </summary>
    private sealed record PendingNorm(CudaTensor X, CudaWeight W, float Eps, CudaTensor Y, CudaTensor U, ulong Stats);

    /// <summary>Where a residual-epilogue product leaves the next norm's input: u = residual·w into U, Σ residual² into Stats.</summary>
    private sealed record NormInputs(CudaWeight W, CudaTensor U, ulong Stats);

    /// <summary>Most products one GEMV launch serves (the kernel takes three weight/bias/output sets).</summary>
    private const int MaxFusedProducts = 3;

    /// <summary>Norms per forward step whose statistics products can accumulate (two per layer and the final one).</summary>
    private const int NormStatsSlots = 1024;

    /// <summary>Floats per statistics slot: one per decode row (GemvRowLimit ≤ 4).</summary>
    private const int NormStatsSlotFloats = 4;

    private DeviceBuffer? _normStats;                 // NormStatsSlots slots, cleared by the embedding gather of each step
    private int _normStatsUsed;                       // slots taken since the last embedding gather
    private CudaTensor? _normInputs;                  // u: [4, width] of the last residual width seen
    private readonly List<CudaTensor> _retiredNormInputs = [];   // u buffers of other widths, which captured graphs may still use

    private readonly List<PendingProduct> _pending = [];
    private PendingNorm? _pendingNorm;
    private string[]? _gemvOverride;   // a variant forced by the kernel lab; null: chosen per shape
    private bool _evictFirst = true;

    /// <summary>Hold back decode products to fuse them (benchmarks compare with and without).</summary>
    internal bool FuseProducts { get; set; } = true;

    /// <summary>
    /// Fuse decode AddRmsNorms into the products around them: the residual add and the norm's statistics into the
    /// product that makes the delta, the scaling into the products that read the output (see above). Off by default:
    /// measured slower than the norm kernels it replaces (notes/cuda, runs 15–16: 1B −4%, 8B −1.4%).
    /// </summary>
    internal bool FuseNorms { get; set; }

    /// <summary>Whether a product of n rows of x [n, k] with W [m, k] runs as the GEMV.</summary>
    private bool RunsAsGemv(int n, int k) => n <= GemvRowLimit && k % (16 / ActivationType.SizeOf()) == 0;

    /// <summary>Fuse RoPE and the KV-cache write into the decode q/k/v products (where they run one warp per row).</summary>
    internal bool FuseRope { get; set; } = true;

    /// <summary>Whether GEMV weight loads are marked to leave L2 first (the kernel lab compares both).</summary>
    internal bool GemvEvictFirst
    {
        get => _evictFirst;
        set
        {
            Prepare();
            _evictFirst = value;
            LoadGemvModules();
        }
    }

    private string[] WithGemvBase(string[] defines) => _evictFirst ? defines : [.. defines, "GEMV_EVICT_FIRST=0"];

    private void LoadGemvModules()
    {
        foreach (var v in new[] { Wide, WideShort, ShortProducts, Split, SplitFew }.Distinct()) LoadModules(["gemv.cu"], WithGemvBase(Defines(v)));
    }

    /// <summary>Defines of a GEMV shape: none for gemv.cu's defaults (the module loaded with the other families).</summary>
    private static string[] Defines(GemvVariant v) => v == Wide ? [] : v.Defines;

    /// <summary>The GEMV shape for rows that are many and short (gemv.cu's defaults): 4 warps, one row each.</summary>
    private static readonly GemvVariant Wide = new(4, 1, 4);

    /// <summary>
    /// Up to 4096 rows of k ≤ 2048 (a 1B's q/k/v and o): blocks of 4 warps, so the few blocks spread evenly over the
    /// multiprocessors (H200 run 22: 1B +0.4% against 8 warps; 2 warps gave the same, 2 with 4 loads −4%).
    /// </summary>
    private static readonly GemvVariant ShortProducts = new(4, 1, 2);

    /// <summary>Many rows of k ≤ 2048 (the 1B's products): 8 warps of one row, 2 loads per batch (run 11: 1B +2.3%).</summary>
    private static readonly GemvVariant WideShort = new(8, 1, 2);

    /// <summary>
    /// The GEMV shape for few or long rows: 8 warps, 4 per row (split over k), so more warps stream each matrix;
    /// 2 loads per batch (run 11: 8B +1.0% against 4).
    /// </summary>
    private static readonly GemvVariant Split = new(8, 4, 2);

    /// <summary>Long rows that are few (≤ 2048, the 1B's down projection): one row per block of 8 warps (run 11: 1B +2.1%, 8B −4% on its rows).</summary>
    private static readonly GemvVariant SplitFew = new(8, 8, 4);

    /// <summary>
    /// The kernel lab's choice on an H200 (notes/cuda): split rows pay off when k ≥ 8192 (down projections) or when a
    /// matrix has few rows for its length (m ≤ 6144 with k ≥ 4096: q/k/v and o of an 8B model).
    /// </summary>
    private GemvVariant ChooseGemv(int rows, int k) =>
        rows <= 4096 && k <= 2048 ? _shortProducts ?? ShortProducts :
        k >= 8192 || (rows <= 6144 && k >= 4096) ? (rows <= 2048 && k >= 8192 ? SplitFew : Split) : WideFor(k);

    private GemvVariant? _shortProducts;

    /// <summary>
    /// Forces a shape on the products of ≤ 4096 rows with k ≤ 2048 (a 1B model's q/k/v and o; the decode bench
    /// compares shapes that keep more of a row in flight before the dependency wait); null: the per-shape choice.
    /// </summary>
    internal (int Warps, int Split, int Unroll)? ShortProductShape
    {
        get => _shortProducts is { } v ? (v.Warps, v.SplitWarps, v.Unroll) : null;
        set
        {
            Prepare();
            _shortProducts = value is { } s ? new GemvVariant(s.Warps, s.Split, s.Unroll) : null;
            if (_shortProducts is { } v) LoadModules(["gemv.cu"], WithGemvBase(Defines(v)));
        }
    }

    /// <summary>The gate/up shape: split rows from k = 4096 (8B lab, run 12: 53.3 against 55.4 µs one warp per row).</summary>
    private GemvVariant GateUpFor(int k) => k >= 4096 ? Split : WideFor(k);

    /// <summary>The one-warp-per-row shape for rows of length k.</summary>
    private GemvVariant WideFor(int k) => k <= 2048 ? WideShort : Wide;

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
            return (WithGemvBase(forced), warps / split, warps * 32);
        }
        var v = ChooseGemv(rows, k);
        return (WithGemvBase(Defines(v)), v.RowsPerBlock, v.Threads);
    }

    /// <summary>Rows up to which products run as the GEMV (≤ the 4 instantiated); more go to cuBLASLt.</summary>
    internal int GemvRowLimit
    {
        get => _gemvRowLimit;
        set => _gemvRowLimit = Math.Clamp(value, 0, 4);
    }

    private int _gemvRowLimit = GemvMaxRows;

    /// <summary>Switches the GEMV kernels to another shape (the kernel lab sweeps these); products queued afterwards use it.</summary>
    internal void UseGemvVariant(int warps, int split, int unroll)
    {
        Prepare();
        _gemvOverride = [$"GEMV_WARPS={warps}", $"GEMV_SPLIT={split}", $"GEMV_UNROLL={unroll}"];
        LoadModules(["gemv.cu"], WithGemvBase(_gemvOverride));
    }

    /// <summary>Back to the per-shape choice.</summary>
    internal void UseAutomaticGemv()
    {
        Prepare();
        _gemvOverride = null;
    }

    private static bool Overlaps(CudaTensor a, CudaTensor b) => a.Pointer < b.Pointer + (ulong)b.Bytes && b.Pointer < a.Pointer + (ulong)a.Bytes;

    /// <summary>Whether an RMSNorm of whole rows x → y may be held back for the products that read y.</summary>
    private bool CanHoldNorm(CudaTensor x, CudaTensor y) =>
        FuseProducts && FuseNorms && x.Rows >= 1 && x.Rows <= GemvRowLimit && x.DType == ActivationType && y.DType == ActivationType &&
        x.Cols % (16 / ActivationType.SizeOf()) == 0 && !Overlaps(x, y);

    /// <summary>Queues everything held back, in order (a held-back norm precedes the products, which read it).</summary>
    private void FlushPending()
    {
        FlushArgmax();
        FlushProducts();
        FlushNorm();
    }

    private void FlushNorm()
    {
        if (_pendingNorm is not { } n) return;
        _pendingNorm = null;
        LaunchNorm(n.X, n.W, n.Eps, n.Y);
    }

    /// <summary>
    /// The held-back norm when <paramref name="products"/> read its output and may compute it themselves (taken: the
    /// launch must use it); otherwise any held-back norm is queued now, before the products, and null is returned.
    /// </summary>
    private PendingNorm? TakeNorm(IReadOnlyList<PendingProduct> products)
    {
        if (_pendingNorm is not { } n) return null;
        var x = products[0].X;
        bool reads = n.Y.Pointer == x.Pointer && n.Y.Rows == x.Rows && n.Y.Cols == x.Cols && products.All(p => p.Gemv);
        bool safe = products.All(p => !Overlaps(p.Y, n.X) && !Overlaps(p.Y, n.Y) && !Overlaps(p.Y, n.U));
        if (reads && safe)
        {
            _pendingNorm = null;
            return n;
        }
        FlushNorm();
        return null;
    }

    private void Defer(PendingProduct product)
    {
        if (_pending.Count > 0)
        {
            var first = _pending[0];
            // Products of one launch read one weight format (a Q4_K_M layer's Q6_K v runs apart from its Q4_K q and k).
            bool joins = _pending.Count < MaxFusedProducts && first.X.Pointer == product.X.Pointer && first.X.Rows == product.X.Rows &&
                         first.W.Format == product.W.Format &&
                         first.X.Cols == product.X.Cols && first.Gemv == product.Gemv && !Overlaps(product.Y, product.X) &&
                         _pending.All(p => !Overlaps(p.Y, product.Y));
            if (!joins) FlushProducts();
        }
        // A held-back norm whose output this product does not read goes first.
        if (_pending.Count == 0 && _pendingNorm is { } norm && norm.Y.Pointer != product.X.Pointer) FlushNorm();
        _pending.Add(product);
    }

    /// <summary>Queues the held-back products (one launch for GEMV products; cuBLASLt products one by one).</summary>
    private void FlushProducts()
    {
        if (_pending.Count == 0) return;
        var products = _pending.ToArray();
        _pending.Clear();
        if (products[0].Gemv)
        {
            LaunchGemv(products, residual: null);
            return;
        }
        FlushNorm();
        foreach (var p in products) RunGemm(p);
    }

    /// <summary>
    /// The GEMV kernels' product arguments from <paramref name="at"/> on: for each of <see cref="MaxFusedProducts"/> slots
    /// W, bias, y and W's row count (zeros for the slots <paramref name="products"/> leaves empty).
    /// </summary>
    private static void PutProducts(KernelArg[] args, int at, PendingProduct[] products)
    {
        for (int i = 0; i < MaxFusedProducts; i++)
        {
            var p = i < products.Length ? products[i] : null;
            args[at + 4 * i] = p?.W.Pointer ?? 0UL;
            args[at + 1 + 4 * i] = p?.Bias?.Pointer ?? 0UL;
            args[at + 2 + 4 * i] = p?.Y.Pointer ?? 0UL;
            args[at + 3 + 4 * i] = p?.W.Rows ?? 0;
        }
    }

    /// <summary>
    /// One GEMV launch for <paramref name="products"/> (sharing x), computing a held-back norm of x if it is theirs; with
    /// <paramref name="residual"/>, residual += y, and with <paramref name="next"/> the next norm's inputs too.
    /// </summary>
    private void LaunchGemv(PendingProduct[] products, CudaTensor? residual, NormInputs? next = null)
    {
        if (products[0].W.Quantized)
        {
            LaunchQuantGemv(products);
            return;
        }
        var x = products[0].X;
        bool f32Out = products[0].Y.DType == DType.F32;
        int rows = products.Sum(p => p.W.Rows);
        var (defines, rowsPerBlock, threads) = Gemv(rows, x.Cols);
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        PendingNorm? norm = null;
        if (f32Out) FlushNorm();
        else norm = TakeNorm(products);
        KernelArg[] args = new KernelArg[2 + 4 * MaxFusedProducts + 7];
        args[0] = (norm?.U ?? x).Pointer;
        args[1] = x.Cols;
        PutProducts(args, 2, products);
        int at = 2 + 4 * MaxFusedProducts;
        args[at] = residual?.Pointer ?? 0UL;
        args[at + 1] = next?.W.Pointer ?? 0UL;
        args[at + 2] = next?.U.Pointer ?? 0UL;
        args[at + 3] = next?.Stats ?? 0UL;
        args[at + 4] = norm?.Stats ?? 0UL;
        args[at + 5] = norm?.Eps ?? 0f;
        args[at + 6] = norm?.Y.Pointer ?? 0UL;
        string name = $"gemv{x.Rows}_{(f32Out ? "f32" : "act")}{(norm is null ? "" : "_norm")}";
        Launch(Kernel("gemv.cu", name, defines), (blocks, 1, 1), threads, 0, args);
    }

    /// <summary>
    /// A statistics slot and the u buffer for the norm after a residual-epilogue product over rows of
    /// <paramref name="r"/>; null when this step has used every slot (the norm then runs as its own kernel).
    /// </summary>
    private NormInputs? TakeNormInputs(CudaWeight w, CudaTensor r)
    {
        if (_normStats is null || _normStatsUsed >= NormStatsSlots || r.Rows > NormStatsSlotFloats) return null;
        if (_normInputs is null || _normInputs.Cols != r.Cols)
        {
            // Graphs captured with the old buffer keep using it, so it is kept until the backend is disposed.
            if (_normInputs is not null) _retiredNormInputs.Add(_normInputs);
            var buffer = _allocator.Allocate((long)NormStatsSlotFloats * r.Cols * ActivationType.SizeOf(), MemoryCategory.Activations);
            _normInputs = new CudaTensor(ActivationType, NormStatsSlotFloats, r.Cols, buffer);
        }
        ulong slot = _normStats.Pointer + (ulong)(_normStatsUsed++ * NormStatsSlotFloats * sizeof(float));
        return new NormInputs(w, new CudaTensor(_normInputs, r.Rows), slot);
    }

    /// <summary>AddRmsNorm after a held-back product that makes the delta: the product adds it to the residual, the norm is held back.</summary>
    private bool TryFuseResidual(CudaTensor r, CudaTensor d, CudaWeight w, float eps, CudaTensor y)
    {
        if (!FuseProducts || !FuseNorms || _pending.Count != 1) return false;
        var p = _pending[0];
        if (!p.Gemv || p.W.Quantized || p.Y.Pointer != d.Pointer || p.Y.Rows != d.Rows || p.Y.Cols != d.Cols || p.W.Rows != r.Cols ||
            r.DType != ActivationType || d.DType != ActivationType || Overlaps(r, p.X) || Overlaps(r, d))
            return false;
        _pending.Clear();
        var next = CanHoldNorm(r, y) ? TakeNormInputs(w, r) : null;
        LaunchGemv([p], residual: r, next);
        FlushNorm();
        if (next is not null) _pendingNorm = new PendingNorm(r, w, eps, y, next.U, next.Stats);
        else LaunchNorm(r, w, eps, y);
        return true;
    }

    /// <summary>MatMul(gate), MatMul(up), SwiGlu(gate, up, gate) held back together: one kernel computes both rows and the activation.</summary>
    private bool TryFuseGateUp(CudaTensor g, CudaTensor u, CudaTensor y)
    {
        if (_pending.Count != 2 || !_pending[0].Gemv || _pending[0].Y.Pointer != g.Pointer || _pending[1].Y.Pointer != u.Pointer || y.Pointer != g.Pointer ||
            _pending[0].W.Rows != _pending[1].W.Rows || g.Length != _pending[0].Y.Length)
            return false;
        var (gp, up) = (_pending[0], _pending[1]);
        _pending.Clear();
        if (gp.W.Quantized)
        {
            LaunchQuantGateUp(gp, up);
            return true;
        }
        var (defines, rowsPerBlock, threads) = _gemvOverride is null ? (WithGemvBase(Defines(GateUpFor(gp.X.Cols))), GateUpFor(gp.X.Cols).RowsPerBlock, GateUpFor(gp.X.Cols).Threads) : Gemv(gp.W.Rows, gp.X.Cols);
        int blocks = (gp.W.Rows + rowsPerBlock - 1) / rowsPerBlock;
        var norm = TakeNorm([gp, up]);
        Launch(Kernel("gemv.cu", $"gemv_gate_up{gp.X.Rows}{(norm is null ? "" : "_norm")}", defines), (blocks, 1, 1), threads, 0,
            (norm?.U ?? gp.X).Pointer, gp.X.Cols, gp.W.Pointer, gp.Bias?.Pointer ?? 0UL, gp.Y.Pointer, up.W.Pointer, up.Bias?.Pointer ?? 0UL, up.Y.Pointer, gp.W.Rows,
            norm?.Stats ?? 0UL, norm?.Eps ?? 0f, norm?.Y.Pointer ?? 0UL);
        return true;
    }

    /// <summary>
    /// RopeAndCache right after MatMul(q), MatMul(k), MatMul(v) held back: decode rows run as one GEMV with RoPE and the
    /// cache write in its epilogue; prefill rows as one cuBLASLt product when the weights lie back to back.
    /// </summary>
    private bool TryFuseRope(CudaTensor q, CudaTensor k, CudaTensor v, CudaRopeTable table, StepLayout step, CudaKvCache kv, int layer)
    {
        if (_pending.Count != 3) return false;
        var (pq, pk, pv) = (_pending[0], _pending[1], _pending[2]);
        bool same = pq.Y.Pointer == q.Pointer && pk.Y.Pointer == k.Pointer && pv.Y.Pointer == v.Pointer &&
                    pq.Y.Length == q.Length && pk.Y.Length == k.Length && pv.Y.Length == v.Length;
        if (!same) return false;
        var shape = kv.Shape;
        if (pq.Gemv && pq.W.Quantized) return false;   // quantized q/k/v: one qgemv launch, then the RoPE kernel
        if (pq.Gemv)
        {
            // Only where q/k/v run one warp per row (run 8: RoPE fused cost the 8B's split rows 1.5%, gained the 1B 3-4%).
            int rows = q.Cols + k.Cols + v.Cols, pairs = rows / 2;
            if (!FuseRope || shape.HeadDim % 2 != 0 || (_gemvOverride is null && ChooseGemv(rows, pq.X.Cols).SplitWarps != 1)) return false;
            _pending.Clear();
            var (defines, rowsPerBlock, threads) = Gemv(rows, pq.X.Cols);
            int blocks = (pairs + rowsPerBlock - 1) / rowsPerBlock;
            var norm = TakeNorm([pq, pk, pv]);
            Launch(Kernel("gemv.cu", $"gemv_qkv_rope{q.Rows}{(norm is null ? "" : "_norm")}", defines), (blocks, 1, 1), threads, 0,
                (norm?.U ?? pq.X).Pointer, pq.X.Cols,
                pq.W.Pointer, pq.Bias?.Pointer ?? 0UL, q.Pointer, q.Cols,
                pk.W.Pointer, pk.Bias?.Pointer ?? 0UL, k.Pointer, k.Cols,
                pv.W.Pointer, pv.Bias?.Pointer ?? 0UL, v.Pointer, v.Cols,
                norm?.Stats ?? 0UL, norm?.Eps ?? 0f, norm?.Y.Pointer ?? 0UL,
                table.Cos, table.Sin, Cuda(step.Positions).Pointer, kv.Keys(layer), kv.Values(layer),
                shape.HeadDim, step.TokensPerSequence, shape.MaxSequence, table.MaxPositions, _status.Pointer);
            return true;
        }
        if (!pq.W.IsFollowedBy(pk.W) || !pk.W.IsFollowedBy(pv.W) || pq.Bias is not null || pk.Bias is not null || pv.Bias is not null)
            return false;
        _pending.Clear();
        FlushNorm();
        int total = q.Cols + k.Cols + v.Cols, act = ActivationType.SizeOf();
        ulong products = _prefill.Products(this, (long)q.Rows * total * act);
        Gemm(pq.X, pq.W.Pointer, total, products, ActivationType);
        var from = new RopeInputs(products, total, products + (ulong)(q.Cols * act), total, products + (ulong)((q.Cols + k.Cols) * act), total);
        LaunchRope(from, q, k, v, table, step, kv, layer);
        return true;
    }
}
