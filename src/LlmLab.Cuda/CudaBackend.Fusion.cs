using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// The fused operations the forward pass calls by name (IBackend.QkvProjection, QkvRopeAndCache, GateUpSwiGlu), as fewer
// kernels. A decode step (a few rows) is bound by per-kernel latency as much as by bandwidth, so products that share x
// run as one GEMV launch (q/k/v; gate/up with SwiGLU), and RoPE and the KV-cache write ride on the q/k/v GEMV where it
// runs one warp per row. Prefill's q, k and v run as one cuBLASLt product when their weights lie back to back
// (IWeightGroups), with RoPE reading its column blocks. Every op decides here, from its own arguments, what it launches;
// nothing is held back for a later call. Each leaves memory as its composition (ComposedOps) would, up to where a
// value is rounded. With CudaTuning.FuseProducts off, each runs as that composition.
public sealed partial class CudaBackend
{
    /// <summary>One product y = x·Wᵀ (+ bias) of a launch; <paramref name="Gemv"/>: decode-sized (the GEMV kernels, else cuBLASLt).</summary>
    private sealed record Product(CudaTensor X, CudaWeight W, CudaWeight? Bias, CudaTensor Y, bool Gemv);

    /// <summary>Most products one GEMV launch serves (the kernel takes three weight/bias/output sets).</summary>
    private const int MaxFusedProducts = 3;

    /// <inheritdoc />
    public void QkvProjection(DeviceTensor x, QkvWeights w, DeviceTensor q, DeviceTensor k, DeviceTensor v)
    {
        ArgumentNullException.ThrowIfNull(w);
        Product[] products = [CheckProduct(x, w.Query, w.QueryBias, q), CheckProduct(x, w.Key, w.KeyBias, k), CheckProduct(x, w.Value, w.ValueBias, v)];
        if (products[0].X.Rows == 0) return;
        Prepare();
        RunSharingInput(products);
    }

    /// <summary>
    /// Decode rows: one GEMV launch computes q, k and v, rotates q and k and writes k and v to the cache
    /// (gemv_qkv_rope), where the float weights run one warp per row; otherwise the products as one GEMV launch per
    /// weight format (a Q4_K_M layer's Q6_K v runs apart from its Q4_K q and k), then rope_and_cache. Prefill rows: one
    /// cuBLASLt product over weights placed back to back (no biases, not under graph capture) into a scratch that
    /// rope_and_cache splits; otherwise one cuBLASLt product each, then rope_and_cache.
    /// With q/k norms (Qwen3) RoPE cannot ride on the products, since the norm needs a whole head's sum of squares
    /// first; the kernels are then exactly: the products as in <see cref="QkvProjection"/> (decode: one GEMV launch of
    /// three products per weight format; prefill: one cuBLASLt product each), rms_norm on q, rms_norm on k, rope_and_cache.
    /// </summary>
    public void QkvRopeAndCache(DeviceTensor x, QkvWeights w, float eps, RopeTable rope, StepLayout step, KvCache cache, int layer,
        DeviceTensor q, DeviceTensor k, DeviceTensor v)
    {
        ArgumentNullException.ThrowIfNull(w);
        Product[] products = [CheckProduct(x, w.Query, w.QueryBias, q), CheckProduct(x, w.Key, w.KeyBias, k), CheckProduct(x, w.Value, w.ValueBias, v)];
        var (table, kv) = CheckRope(products[0].Y, products[1].Y, products[2].Y, rope, step, cache, layer);
        bool actOut = products.All(p => p.Y.DType == ActivationType);
        if (!Tuning.FuseProducts || w.HasQkNorm || !actOut || products[0].X.Rows == 0)
        {
            ComposedOps.QkvRopeAndCache(this, x, w, eps, rope, step, cache, layer, q, k, v);
            return;
        }
        Prepare();
        var (pq, pk, pv) = (products[0], products[1], products[2]);
        bool oneLaunch = JoinAll(products);
        // gemv_qkv_rope writes the cache in the compute type; a quantized cache is written by rope_and_cache's encoder.
        if (pq.Gemv && oneLaunch && FloatGemv(pq.W) && kv.StoresComputeType && CanFuseRope(pq, pk, pv, kv.Shape))
        {
            LaunchQkvRope(pq, pk, pv, table, step, kv, layer);
            return;
        }
        if (!pq.Gemv && oneLaunch && !_capturing && pq.Bias is null && pk.Bias is null && pv.Bias is null && pq.W.IsFollowedBy(pk.W) && pk.W.IsFollowedBy(pv.W))
        {
            // Prefill is never captured, so the products' scratch may grow.
            int total = pq.Y.Cols + pk.Y.Cols + pv.Y.Cols, act = ActivationType.SizeOf();
            ulong scratch = _prefill.Products(this, (long)pq.X.Rows * total * act);
            Gemm(pq.X, pq.W.Pointer, total, scratch, ActivationType);
            var from = new RopeInputs(scratch, total, scratch + (ulong)(pq.Y.Cols * act), total, scratch + (ulong)((pq.Y.Cols + pk.Y.Cols) * act), total);
            LaunchRope(from, pq.Y, pk.Y, pv.Y, table, step, kv, layer);
            return;
        }
        RunSharingInput(products);
        LaunchRope(new RopeInputs(pq.Y.Pointer, pq.Y.Cols, pk.Y.Pointer, pk.Y.Cols, pv.Y.Pointer, pv.Y.Cols), pq.Y, pk.Y, null, table, step, kv, layer);
    }

    /// <summary>
    /// Decode rows of one weight format: one kernel computes both products and the activation (gemv_gate_up, or
    /// qgemv_gate_up for block formats). Otherwise the composition: two products, then the swiglu kernel.
    /// </summary>
    public void GateUpSwiGlu(DeviceTensor x, DeviceWeight gateWeight, DeviceWeight upWeight, DeviceTensor gate, DeviceTensor up)
    {
        var (pg, pu) = (CheckProduct(x, gateWeight, null, gate), CheckProduct(x, upWeight, null, up));
        bool fused = Tuning.FuseProducts && pg.Gemv && pg.Y.DType == ActivationType && pu.Y.DType == ActivationType && pg.W.Rows == pu.W.Rows &&
                     pg.X.Rows > 0 && JoinAll([pg, pu]);
        if (!fused)
        {
            ComposedOps.GateUpSwiGlu(this, x, gateWeight, upWeight, gate, up);
            return;
        }
        Prepare();
        if (!FloatGemv(pg.W))
        {
            LaunchQuantGateUp(pg, pu);
            return;
        }
        int k = pg.X.Cols;
        var (defines, rowsPerBlock, threads) = Tuning.GemvShape is null ? Launchable(GateUpFor(k)) : Gemv(pg.W.Rows, k);
        defines = ForWeights(defines, pg.W);
        int blocks = (pg.W.Rows + rowsPerBlock - 1) / rowsPerBlock;
        // The trailing (statistics, eps, h) arguments belong to the norm-reading variant; zero here.
        Launch(Kernel("gemv.cu", $"gemv_gate_up{pg.X.Rows}", defines), (blocks, 1, 1), threads, 0,
            pg.X.Pointer, k, pg.W.Pointer, 0UL, pg.Y.Pointer, pu.W.Pointer, 0UL, pu.Y.Pointer, pg.W.Rows, 0UL, 0f, 0UL);
    }

    /// <summary>
    /// Checks a product's shapes and types (the MatMul contract) and says how it runs: the GEMV for a few rows (block
    /// formats up to <see cref="CudaTuning.GemvRowLimit"/> rows; float weights also need whole 16-byte chunks of x), else cuBLASLt.
    /// </summary>
    private Product CheckProduct(DeviceTensor x, DeviceWeight weight, DeviceWeight? bias, DeviceTensor output)
    {
        var (xs, w, y) = (Cuda(x), Cuda(weight), Cuda(output));
        int n = xs.Rows, k = xs.Cols, m = w.Rows;
        if (w.Cols != k || y.Cols != m || y.Rows != n || xs.DType != ActivationType || (w.DType != ActivationType && !w.Quantized) || y.DType is not (DType.F32 or DType.BF16 or DType.F16) ||
            (y.DType != DType.F32 && y.DType != ActivationType))
            throw new ArgumentException($"matmul shapes: x [{n}, {k}] {xs.DType} · {w.Name} [{m}, {w.Cols}]ᵀ {w.Format} → y [{y.Rows}, {y.Cols}] {y.DType}");
        CudaWeight? b = bias is null ? null : Cuda(bias);
        if (b is not null && (b.Cols != m || b.DType != DType.F32)) throw new ArgumentException($"bias {b.Name} has {b.Cols} values for {m} outputs");
        bool gemv = w.Quantized ? n <= Tuning.GemvRowLimit : n <= Tuning.GemvRowLimit && k % (16 / ActivationType.SizeOf()) == 0;
        return new Product(xs, w, b, y, gemv);
    }

    /// <summary>Whether a product joins a launch of <paramref name="group"/>: same x and weight format, room left, no output overlapping x or another output.</summary>
    private static bool Joins(IReadOnlyList<Product> group, Product p)
    {
        var first = group[0];
        return group.Count < MaxFusedProducts && first.Gemv == p.Gemv && first.W.Format == p.W.Format &&
               first.X.Pointer == p.X.Pointer && first.X.Rows == p.X.Rows && first.X.Cols == p.X.Cols && first.Y.DType == p.Y.DType &&
               !Overlaps(p.Y, p.X) && group.All(g => !Overlaps(g.Y, p.Y));
    }

    /// <summary>Whether all of <paramref name="products"/> (sharing x) can run as one launch.</summary>
    private static bool JoinAll(Product[] products)
    {
        if (Overlaps(products[0].Y, products[0].X)) return false;
        for (int i = 1; i < products.Length; i++)
            if (!Joins(products[..i], products[i])) return false;
        return true;
    }

    private static bool Overlaps(CudaTensor a, CudaTensor b) => a.Pointer < b.Pointer + (ulong)b.Bytes && b.Pointer < a.Pointer + (ulong)a.Bytes;

    /// <summary>
    /// Products that share x, in order: decode-sized ones into the activation type as few GEMV launches as <see cref="Joins"/>
    /// allows (each run of one weight format, up to three products), the rest one launch (or cuBLASLt product) each.
    /// </summary>
    private void RunSharingInput(Product[] products)
    {
        if (!Tuning.FuseProducts)
        {
            foreach (var p in products) RunProduct(p);
            return;
        }
        var group = new List<Product>(MaxFusedProducts);
        foreach (var p in products)
        {
            // cuBLASLt products, and GEMVs into fp32 (logits), run one by one.
            if (!p.Gemv || p.Y.DType == DType.F32)
            {
                LaunchGroup(group);
                RunProduct(p);
                continue;
            }
            if (group.Count > 0 && !Joins(group, p)) LaunchGroup(group);
            if (group.Count == 0 && Overlaps(p.Y, p.X)) RunProduct(p);
            else group.Add(p);
        }
        LaunchGroup(group);
    }

    private void LaunchGroup(List<Product> group)
    {
        if (group.Count == 0) return;
        LaunchGemv([.. group]);
        group.Clear();
    }

    private void RunProduct(Product p)
    {
        if (p.Gemv) LaunchGemv([p]);
        else RunGemm(p);
    }

    /// <summary>
    /// The GEMV kernels' product arguments from <paramref name="at"/> on: for each of <see cref="MaxFusedProducts"/> slots
    /// W, bias, y and W's row count (zeros for the slots <paramref name="products"/> leaves empty).
    /// </summary>
    private static void PutProducts(KernelArg[] args, int at, Product[] products)
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

    /// <summary>Arguments after the products of gemv*_act/_f32: the residual/statistics epilogue and the norm-reading prologue, unused here.</summary>
    private const int GemvEpilogueArgs = 7;

    /// <summary>One GEMV launch for <paramref name="products"/> (sharing x, one weight format).</summary>
    private void LaunchGemv(Product[] products)
    {
        if (!FloatGemv(products[0].W))
        {
            LaunchQuantGemv(products);
            return;
        }
        var x = products[0].X;
        bool f32Out = products[0].Y.DType == DType.F32;
        int rows = products.Sum(p => p.W.Rows);
        var (defines, rowsPerBlock, threads) = Gemv(rows, x.Cols);
        defines = ForWeights(defines, products[0].W);
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        var args = new KernelArg[2 + 4 * MaxFusedProducts + GemvEpilogueArgs];
        args[0] = x.Pointer;
        args[1] = x.Cols;
        PutProducts(args, 2, products);
        // residual, nextW, u, stats, ss: null pointers; eps: 0; h: null (gemv.cu's epilogue and norm prologue off).
        int at = 2 + 4 * MaxFusedProducts;
        for (int i = 0; i < GemvEpilogueArgs; i++) args[at + i] = i == 5 ? 0f : 0UL;
        Launch(Kernel("gemv.cu", $"gemv{x.Rows}_{(f32Out ? "f32" : "act")}", defines), (blocks, 1, 1), threads, 0, args);
    }

    /// <summary>
    /// Whether a weight's decode products run in gemv.cu (the float GEMV family, fused epilogues included): the compute
    /// type's matrices, and FP8 rows (gemv.cu compiled with GEMV_FP8: its 16-byte loads bring 16 codes); the ggml block
    /// formats run in gemv_quant.cu.
    /// </summary>
    private static bool FloatGemv(CudaWeight w) => !w.Quantized || w.Format == TensorFormat.FP8;

    /// <summary>gemv.cu's defines for <paramref name="w"/>: GEMV_FP8 added for FP8 rows.</summary>
    private static string[] ForWeights(string[] defines, CudaWeight w) => w.Format == TensorFormat.FP8 ? [.. defines, Fp8GemvDefine] : defines;

    private const string Fp8GemvDefine = "GEMV_FP8";

    /// <summary>Whether gemv_qkv_rope serves these products: RoPE pairs need an even head, and the launch must run one warp per row.</summary>
    private bool CanFuseRope(Product q, Product k, Product v, KvCacheShape shape)
    {
        int rows = q.Y.Cols + k.Y.Cols + v.Y.Cols;
        return Tuning.FuseRope && shape.HeadDim % 2 == 0 && (Tuning.GemvShape is not null || ChooseGemv(rows, q.X.Cols).SplitWarps == 1);
    }

    /// <summary>One GEMV launch computing q, k and v, rotating q and k in its epilogue and writing k and v to the cache.</summary>
    private void LaunchQkvRope(Product pq, Product pk, Product pv, CudaRopeTable table, StepLayout step, CudaKvCache kv, int layer)
    {
        var (q, k, v) = (pq.Y, pk.Y, pv.Y);
        var shape = kv.Shape;
        int rows = q.Cols + k.Cols + v.Cols, pairs = rows / 2;
        var (defines, rowsPerBlock, threads) = Gemv(rows, pq.X.Cols);
        defines = ForWeights(defines, pq.W);
        int blocks = (pairs + rowsPerBlock - 1) / rowsPerBlock;
        // (ss, eps, h) belong to the norm-reading variant: zero here.
        Launch(Kernel("gemv.cu", $"gemv_qkv_rope{q.Rows}", defines), (blocks, 1, 1), threads, 0,
            pq.X.Pointer, pq.X.Cols,
            pq.W.Pointer, pq.Bias?.Pointer ?? 0UL, q.Pointer, q.Cols,
            pk.W.Pointer, pk.Bias?.Pointer ?? 0UL, k.Pointer, k.Cols,
            pv.W.Pointer, pv.Bias?.Pointer ?? 0UL, v.Pointer, v.Cols,
            0UL, 0f, 0UL,
            table.Cos, table.Sin, Cuda(step.Positions).Pointer, kv.Keys(layer), kv.Values(layer),
            shape.HeadDim, step.TokensPerSequence, shape.MaxSequence, table.MaxPositions, _status.Pointer);
    }
}
