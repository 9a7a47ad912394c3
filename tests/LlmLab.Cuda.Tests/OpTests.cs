using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// Every backend op on every GPU against the CPU reference, by NMSE (Σ(gpu − cpu)² / Σcpu²) on random inputs
/// rounded to the compute type. Bounds: F32 compute ≤ 1e-9 (only summation order differs); BF16 compute ≤ 1e-4
/// (the output's own bf16 rounding alone gives about 1e-6; attention also rounds q after RoPE and P in prefill).
/// </summary>
public sealed class OpTests
{
    public static TheoryData<int, DType> Targets => Gpu.DevicesAndTypes;

    private static double Bound(DType type) => type == DType.F32 ? 1e-9 : 1e-4;

    private static void Check(string op, int device, DType type, float[] cpu, float[] gpu, double? bound = null)
    {
        double nmse = OpHarness.Nmse(gpu, cpu);
        Report.Line($"op {op,-44} cuda:{device} {type,-4} NMSE {nmse:E2}");
        Assert.True(nmse <= (bound ?? Bound(type)), $"{op}: NMSE {nmse:E3} above {bound ?? Bound(type):E1}");
    }

    [Theory, MemberData(nameof(Targets))]
    public void Embedding_gathers_the_rows_named_by_the_ids(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        int vocab = 300, hidden = 136;
        var table = h.Weight("embed", h.Random(vocab * hidden), vocab, hidden);
        var ids = h.Ints([5, 0, 299, 17, 5]);
        var y = h.Empty(5, hidden);
        h.Cpu.Embedding(ids.Cpu, table.Cpu, y.Cpu);
        h.Gpu.Embedding(ids.Gpu, table.Gpu, y.Gpu);
        var (c, g) = h.Read(y);
        Check("Embedding", device, type, c, g, 0);
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void A_token_id_outside_the_vocabulary_is_reported_at_the_next_synchronisation(int device)
    {
        using var gpu = Gpu.Open(device);
        using var h = new OpHarness(gpu);
        var table = h.Weight("embed", h.Random(10 * 16), 10, 16);
        var ids = h.Ints([3, 10]);
        var y = h.Empty(2, 16);
        gpu.Embedding(ids.Gpu, table.Gpu, y.Gpu);
        var e = Assert.Throws<InvalidOptionException>(gpu.Synchronize);
        Assert.Contains("vocabulary", e.Message);
        gpu.Synchronize(); // the error was cleared
    }

    /// <summary>
    /// Queued reads of argmax ids (the pipelined generation loop): written to the host by the argmax kernel itself, or
    /// copied on the stream, they give what a blocking read gives; several may be outstanding; a status raised before
    /// (a bad token id) is reported when the read completes.
    /// </summary>
    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Queued_reads_of_argmax_ids_match_blocking_reads_and_report_errors(int device)
    {
        using var gpu = Gpu.Open(device);
        using var h = new OpHarness(gpu);
        int rows = 3, k = 64, vocab = 20000;
        var w = h.Weight("head", h.Random((long)vocab * k), vocab, k);
        var logits = h.Empty(rows, vocab, f32: true);
        var ids = h.Ints(new int[rows]);
        foreach (bool inKernel in new[] { true, false })
        {
            gpu.Tuning = CudaTuning.Default with { QueuedReadsInKernel = inKernel };
            var expected = new List<int[]>();
            var reads = new List<PendingRead>();
            for (int i = 0; i < 3; i++)
            {
                var x = h.Activation(h.Random(rows * k), rows, k);
                gpu.MatMul(x.Gpu, w.Gpu, null, logits.Gpu);
                gpu.Argmax(logits.Gpu, ids.Gpu);
                reads.Add(gpu.QueueRead(ids.Gpu));
                var host = new float[rows * vocab];
                gpu.Read(logits.Gpu, host);
                expected.Add(Enumerable.Range(0, rows).Select(r => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(host.AsSpan(r * vocab, vocab))).ToArray());
            }
            for (int i = 0; i < reads.Count; i++)
            {
                var got = new int[rows];
                reads[i].Complete(got);
                Assert.Equal(expected[i], got);
            }

            var table = h.Weight("embed", h.Random(10 * 16), 10, 16);
            var bad = h.Ints([3, 10]);
            var y = h.Empty(2, 16);
            gpu.Embedding(bad.Gpu, table.Gpu, y.Gpu);
            gpu.Argmax(logits.Gpu, ids.Gpu);
            var read = gpu.QueueRead(ids.Gpu);
            var e = Assert.Throws<InvalidOptionException>(() => read.Complete(new int[rows]));
            Assert.Contains("vocabulary", e.Message);
            gpu.Synchronize(); // the error was cleared
        }
        gpu.Tuning = CudaTuning.Default;
    }

    [Theory, MemberData(nameof(Targets))]
    public void RmsNorm_matches_over_whole_rows_and_per_head(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        foreach (var (rows, cols, group) in new[] { (3, 200, 200), (2, 4096, 4096), (3, 4 * 64, 64), (5, 2 * 16, 16) })
        {
            var x = h.Activation(h.Random(rows * cols, 3), rows, cols);
            var w = h.Weight("norm", h.Random(group), 1, group, vector: true);
            var y = h.Empty(rows, cols);
            h.Cpu.RmsNorm(x.Cpu, w.Cpu, 1e-5f, y.Cpu);
            h.Gpu.RmsNorm(x.Gpu, w.Gpu, 1e-5f, y.Gpu);
            var (c, g) = h.Read(y);
            Check($"RmsNorm [{rows}, {cols}] groups of {group}", device, type, c, g);
            // In place, as q/k norm runs.
            h.Cpu.RmsNorm(x.Cpu, w.Cpu, 1e-5f, x.Cpu);
            h.Gpu.RmsNorm(x.Gpu, w.Gpu, 1e-5f, x.Gpu);
            var (ci, gi) = h.Read(x);
            Check($"RmsNorm in place [{rows}, {cols}] groups of {group}", device, type, ci, gi);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void AddRmsNorm_updates_the_residual_and_normalises_it(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        int rows = 4, cols = 520;
        var r = h.Activation(h.Random(rows * cols, 2), rows, cols);
        var d = h.Activation(h.Random(rows * cols), rows, cols);
        var w = h.Weight("norm", h.Random(cols), 1, cols, vector: true);
        var y = h.Empty(rows, cols);
        h.Cpu.AddRmsNorm(r.Cpu, d.Cpu, w.Cpu, 1e-6f, y.Cpu);
        h.Gpu.AddRmsNorm(r.Gpu, d.Gpu, w.Gpu, 1e-6f, y.Gpu);
        var (cy, gy) = h.Read(y);
        var (cr, gr) = h.Read(r);
        Check("AddRmsNorm output", device, type, cy, gy);
        Check("AddRmsNorm residual", device, type, cr, gr);
    }

    [Theory, MemberData(nameof(Targets))]
    public void MatMul_matches_for_gemv_and_cublaslt_row_counts_with_and_without_bias(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        foreach (int k in new[] { 64, 520, 36 })
            foreach (int rows in new[] { 1, 2, 5, 8, 9, 33 })
                foreach (bool withBias in new[] { false, true })
                    foreach (bool f32Out in new[] { false, true })
                    {
                        int m = 96 + rows;
                        var x = h.Activation(h.Random(rows * k), rows, k);
                        var w = h.Weight("w", h.Random((long)m * k, 0.2f), m, k);
                        (DeviceWeight Cpu, DeviceWeight Gpu)? bias = withBias ? h.Weight("b", h.Random(m), 1, m, vector: true) : null;
                        var y = h.Empty(rows, m, f32Out);
                        h.Cpu.MatMul(x.Cpu, w.Cpu, bias?.Cpu, y.Cpu);
                        h.Gpu.MatMul(x.Gpu, w.Gpu, bias?.Gpu, y.Gpu);
                        var (c, g) = h.Read(y);
                        string path = rows <= CudaTuning.DefaultGemvRowLimit && k % (16 / type.SizeOf()) == 0 ? "gemv" : "cublasLt";
                        Check($"MatMul {path} n={rows} k={k} m={m}{(withBias ? " +bias" : "")}{(f32Out ? " →f32" : "")}", device, type, c, g);
                    }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Fused_decode_products_match_qkv_and_gate_up_swiglu(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        int qDim = 128, kvDim = 32, inter = 344;
        foreach (int k in new[] { 256, 4096 })   // 4096: the split-row shapes (q/k/v, gate/up of an 8B)
        foreach (int rows in new[] { 1, 2 })
        {
            var x = h.Activation(h.Random(rows * k), rows, k);
            var (wq, wk, wv) = (h.Weight("q", h.Random(qDim * k, 0.2f), qDim, k), h.Weight("k", h.Random(kvDim * k, 0.2f), kvDim, k), h.Weight("v", h.Random(kvDim * k, 0.2f), kvDim, k));
            var bk = h.Weight("bk", h.Random(kvDim), 1, kvDim, vector: true);
            var (q, kk, v) = (h.Empty(rows, qDim), h.Empty(rows, kvDim), h.Empty(rows, kvDim));
            foreach (var be in new IBackend[] { h.Cpu, h.Gpu })
            {
                bool cpu = be == h.Cpu;
                var w = new QkvWeights(cpu ? wq.Cpu : wq.Gpu, cpu ? wk.Cpu : wk.Gpu, cpu ? wv.Cpu : wv.Gpu) { KeyBias = cpu ? bk.Cpu : bk.Gpu };
                be.QkvProjection(cpu ? x.Cpu : x.Gpu, w, cpu ? q.Cpu : q.Gpu, cpu ? kk.Cpu : kk.Gpu, cpu ? v.Cpu : v.Gpu);
            }
            foreach (var (name, t) in new[] { ("q", q), ("k +bias", kk), ("v", v) })
            {
                var (c, g) = h.Read(t);
                Check($"fused q/k/v product {name} n={rows} k={k}", device, type, c, g);
            }
            var (wg, wu) = (h.Weight("gate", h.Random(inter * k, 0.2f), inter, k), h.Weight("up", h.Random(inter * k, 0.2f), inter, k));
            var (gate, up) = (h.Empty(rows, inter), h.Empty(rows, inter));
            h.Cpu.GateUpSwiGlu(x.Cpu, wg.Cpu, wu.Cpu, gate.Cpu, up.Cpu);
            h.Gpu.GateUpSwiGlu(x.Gpu, wg.Gpu, wu.Gpu, gate.Gpu, up.Gpu);
            var (cg, gg) = h.Read(gate);
            var (cu, gu) = h.Read(up);
            Check($"fused gate/up/SwiGLU: activation n={rows} k={k}", device, type, cg, gg);
            Check($"fused gate/up/SwiGLU: up n={rows} k={k}", device, type, cu, gu);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Add_SwiGlu_and_LastRows_match(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        int rows = 6, cols = 344;
        var a = h.Activation(h.Random(rows * cols, 2), rows, cols);
        var b = h.Activation(h.Random(rows * cols, 2), rows, cols);
        h.Cpu.Add(a.Cpu, b.Cpu);
        h.Gpu.Add(a.Gpu, b.Gpu);
        var (ca, ga) = h.Read(a);
        Check("Add", device, type, ca, ga);

        var gate = h.Activation(h.Random(rows * cols, 4), rows, cols);
        var up = h.Activation(h.Random(rows * cols, 2), rows, cols);
        h.Cpu.SwiGlu(gate.Cpu, up.Cpu, gate.Cpu);
        h.Gpu.SwiGlu(gate.Gpu, up.Gpu, gate.Gpu);
        var (cs, gs) = h.Read(gate);
        Check("SwiGlu (in place)", device, type, cs, gs);

        var positions = h.Ints(new int[rows]);
        var last = h.Empty(2, cols);
        h.Cpu.LastRows(b.Cpu, new StepLayout(2, 3, 0, positions.Cpu), last.Cpu);
        h.Gpu.LastRows(b.Gpu, new StepLayout(2, 3, 0, positions.Gpu), last.Gpu);
        var (cl, gl) = h.Read(last);
        Check("LastRows", device, type, cl, gl, 0);
    }

    [Theory, MemberData(nameof(Targets))]
    public void Argmax_picks_the_largest_logit_and_the_first_on_ties(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        int rows = 3, k = 64, vocab = 5000;
        var x = h.Activation(h.Random(rows * k), rows, k);
        var w = h.Weight("head", h.Random((long)vocab * k), vocab, k);
        var logits = h.Empty(rows, vocab, f32: true);
        gpu.MatMul(x.Gpu, w.Gpu, null, logits.Gpu);
        var ids = h.Ints(new int[rows]);
        gpu.Argmax(logits.Gpu, ids.Gpu);
        var host = new float[rows * vocab];
        gpu.Read(logits.Gpu, host);
        var got = new int[rows];
        gpu.Read(ids.Gpu, got);
        for (int r = 0; r < rows; r++)
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(host.AsSpan(r * vocab, vocab)), got[r]);

        var zero = h.Weight("zero", new float[vocab * k], vocab, k);
        gpu.MatMul(x.Gpu, zero.Gpu, null, logits.Gpu);
        gpu.Argmax(logits.Gpu, ids.Gpu);
        gpu.Read(ids.Gpu, got);
        Assert.All(got, id => Assert.Equal(0, id));
    }

    /// <summary>Attention shapes: (heads, kvHeads, headDim, batch, prefill tokens, cache length, sliding window).</summary>
    private static readonly (int Heads, int KvHeads, int HeadDim, int Batch, int Tokens, int MaxSeq, int? Window)[] AttentionCases =
    [
        (4, 2, 16, 2, 5, 512, null),     // the fixtures' shape; many empty decode splits
        (8, 2, 64, 1, 37, 512, null),    // group 4, llama-3.2-1b head width
        (8, 8, 32, 3, 9, 64, null),      // no grouping, brown model's head width
        (32, 8, 128, 1, 70, 512, null),  // llama-3.1-8b's heads
        (16, 2, 64, 2, 40, 256, null),   // group 8
        (6, 2, 16, 1, 12, 20, null),     // group 3 (tile 4, a partial tile), cache barely longer than the prompt
        (24, 2, 16, 1, 4, 512, null),    // group 12: two tiles per KV head
        (4, 2, 16, 1, 20, 512, 6),       // sliding window
    ];

    [Theory, MemberData(nameof(Targets))]
    public void RoPE_cache_write_and_attention_match_for_prefill_chunks_and_decode(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        foreach (var c in AttentionCases)
        {
            using var h = new OpHarness(gpu, seed: c.HeadDim * 100 + c.Heads);
            string name = $"h{c.Heads}/kv{c.KvHeads} d{c.HeadDim} b{c.Batch}{(c.Window is { } win ? $" window {win}" : "")}";
            var rope = new RopeConfig("llama3", 500000, 8, 1, 4, 64);
            using var cpuRope = h.Cpu.CreateRopeTable(rope.Spec(c.HeadDim), c.MaxSeq);
            using var gpuRope = h.Gpu.CreateRopeTable(rope.Spec(c.HeadDim), c.MaxSeq);
            var shape = new KvCacheShape(2, c.Batch, c.MaxSeq, c.KvHeads, c.HeadDim, c.Window);
            using var cpuCache = h.Cpu.AllocateKvCache(shape);
            using var gpuCache = h.Gpu.AllocateKvCache(shape);
            int position = 0;
            // Two prefill chunks (the second starts past 0), then three decode steps.
            foreach (int tokens in new[] { c.Tokens, 3, 1, 1, 1 })
            {
                int rows = c.Batch * tokens, qDim = c.Heads * c.HeadDim, kvDim = c.KvHeads * c.HeadDim;
                var q = h.Activation(h.Random(rows * qDim, 2), rows, qDim);
                var k = h.Activation(h.Random(rows * kvDim, 2), rows, kvDim);
                var v = h.Activation(h.Random(rows * kvDim), rows, kvDim);
                var pos = h.Ints(Enumerable.Range(0, rows).Select(r => position + r % tokens).ToArray());
                var cpuStep = new StepLayout(c.Batch, tokens, position, pos.Cpu);
                var gpuStep = new StepLayout(c.Batch, tokens, position, pos.Gpu);
                h.Cpu.RopeAndCache(q.Cpu, k.Cpu, v.Cpu, cpuRope, cpuStep, cpuCache, 1);
                h.Gpu.RopeAndCache(q.Gpu, k.Gpu, v.Gpu, gpuRope, gpuStep, gpuCache, 1);
                var (cq, gq) = h.Read(q);
                Check($"RoPE {name} T={tokens} at {position}", device, type, cq, gq);
                var o = h.Empty(rows, qDim);
                h.Cpu.Attention(q.Cpu, cpuCache, 1, cpuStep, o.Cpu);
                h.Gpu.Attention(q.Gpu, gpuCache, 1, gpuStep, o.Gpu);
                var (co, go) = h.Read(o);
                Check($"Attention {(tokens == 1 ? "decode" : "prefill")} {name} T={tokens} at {position}", device, type, co, go);
                position += tokens;
            }
        }
    }

    /// <summary>
    /// Decode attention at contexts from one key to two thousand, with the splits merged through L2 (the plain kernel)
    /// and in thread-block clusters (sm_90+: clusters of 8 for 64-wide heads, of 16 for 128-wide ones, each spanning 1024
    /// keys; past that two clusters, merged through L2 as well), for one and two rows, against the CPU.
    /// </summary>
    [Theory, MemberData(nameof(Targets))]
    public void Decode_attention_matches_at_long_contexts_with_and_without_clusters(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        const int maxSeq = 2048;
        foreach (var (heads, kvHeads, headDim) in new[] { (32, 8, 64), (32, 8, 128), (16, 2, 64) })
            foreach (int batch in new[] { 1, 2 })
            {
                using var h = new OpHarness(gpu, seed: headDim + heads + batch);
                var rope = new RopeConfig("default", 500000);
                using var cpuRope = h.Cpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
                using var gpuRope = h.Gpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
                var shape = new KvCacheShape(1, batch, maxSeq, kvHeads, headDim, null);
                using var cpuCache = h.Cpu.AllocateKvCache(shape);
                using var gpuCache = h.Gpu.AllocateKvCache(shape);
                int qDim = heads * headDim, kvDim = kvHeads * headDim, prefix = maxSeq - 1;
                {
                    int n = batch * prefix;
                    var (pq, pk, pv) = (h.Activation(h.Random(n * qDim), n, qDim), h.Activation(h.Random(n * kvDim, 2), n, kvDim), h.Activation(h.Random(n * kvDim), n, kvDim));
                    var pos = h.Ints(Enumerable.Range(0, n).Select(r => r % prefix).ToArray());
                    h.Cpu.RopeAndCache(pq.Cpu, pk.Cpu, pv.Cpu, cpuRope, new StepLayout(batch, prefix, 0, pos.Cpu), cpuCache, 0);
                    h.Gpu.RopeAndCache(pq.Gpu, pk.Gpu, pv.Gpu, gpuRope, new StepLayout(batch, prefix, 0, pos.Gpu), gpuCache, 0);
                }
                foreach (int position in new[] { 0, 300, 1000, 2047 })
                {
                    var q = h.Activation(h.Random(batch * qDim, 2), batch, qDim);
                    var k = h.Activation(h.Random(batch * kvDim, 2), batch, kvDim);
                    var v = h.Activation(h.Random(batch * kvDim), batch, kvDim);
                    var pos = h.Ints(Enumerable.Repeat(position, batch).ToArray());
                    h.Cpu.RopeAndCache(q.Cpu, k.Cpu, v.Cpu, cpuRope, new StepLayout(batch, 1, position, pos.Cpu), cpuCache, 0);
                    h.Gpu.RopeAndCache(q.Gpu, k.Gpu, v.Gpu, gpuRope, new StepLayout(batch, 1, position, pos.Gpu), gpuCache, 0);
                    var o = h.Empty(batch, qDim);
                    h.Cpu.Attention(q.Cpu, cpuCache, 0, new StepLayout(batch, 1, position, pos.Cpu), o.Cpu);
                    foreach (bool cluster in new[] { false, true })
                    {
                        gpu.Tuning = gpu.Tuning with { ClusterAttention = cluster };
                        h.Gpu.Attention(q.Gpu, gpuCache, 0, new StepLayout(batch, 1, position, pos.Gpu), o.Gpu);
                        var (co, go) = h.Read(o);
                        Check($"decode attention h{heads}/kv{kvHeads} d{headDim} b{batch} at {position}{(cluster ? " (clusters on)" : "")}", device, type, co, go);
                    }
                }
            }
    }

    [Theory, MemberData(nameof(Targets))]
    public void A_position_past_the_cache_is_reported(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        var shape = new KvCacheShape(1, 1, 8, 1, 16, null);
        using var cache = gpu.AllocateKvCache(shape);
        using var rope = gpu.CreateRopeTable(new RopeConfig("default", 10000).Spec(16), 8);
        var q = h.Activation(h.Random(16), 1, 16);
        var k = h.Activation(h.Random(16), 1, 16);
        var pos = h.Ints([8]);
        gpu.RopeAndCache(q.Gpu, k.Gpu, k.Gpu, rope, new StepLayout(1, 1, 8, pos.Gpu), cache, 0);
        var e = Assert.Throws<InvalidOptionException>(gpu.Synchronize);
        Assert.Contains("position", e.Message);
    }

    [Theory, MemberData(nameof(Gpu.Devices), MemberType = typeof(Gpu))]
    public void Attention_kernels_compile_for_common_head_widths(int device)
    {
        using var gpu = Gpu.Open(device);
        foreach (int headDim in new[] { 32, 64, 80, 96, 128, 256 })
        {
            using var cache = gpu.AllocateKvCache(new KvCacheShape(1, 1, 16, 1, headDim, null));
            Assert.Equal(DType.BF16, cache.DType);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void A_captured_graph_replays_with_new_inputs_written_before_it(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        int vocab = 50, hidden = 64;
        var table = h.Weight("embed", h.Random(vocab * hidden), vocab, hidden);
        var norm = h.Weight("norm", h.Random(hidden), 1, hidden, vector: true);
        var ids = h.Ints([1, 2]);
        var x = h.Empty(2, hidden);
        var y = h.Empty(2, hidden);
        gpu.BeginCapture();
        gpu.Embedding(ids.Gpu, table.Gpu, x.Gpu);
        gpu.RmsNorm(x.Gpu, norm.Gpu, 1e-5f, y.Gpu);
        using var graph = gpu.EndCapture();
        foreach (var next in new[] { new[] { 7, 49 }, [0, 3] })
        {
            gpu.Write(ids.Gpu, next);
            h.Cpu.Write(ids.Cpu, next);
            graph.Replay();
            h.Cpu.Embedding(ids.Cpu, table.Cpu, x.Cpu);
            h.Cpu.RmsNorm(x.Cpu, norm.Cpu, 1e-5f, y.Cpu);
            var (c, g) = h.Read(y);
            Check($"graph replay ids {next[0]},{next[1]}", device, type, c, g);
        }
    }
}
