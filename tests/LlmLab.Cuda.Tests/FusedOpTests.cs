using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// The fused operations the CUDA backend runs as fewer kernels (CudaBackend.Fusion.cs) against the CPU, which runs
/// their compositions (ComposedOps): a decode layer (q/k/v with RoPE and the cache write in one GEMV; gate/up with
/// SwiGLU in one), Qwen3's q/k norm (grouped products, the norms, then RoPE), and prefill q/k/v as one product over
/// weights placed back to back, with the flash prefill attention.
/// Bounds as in <see cref="OpTests"/>, except values at the end of a chain of bf16 roundings (1e-3).
/// </summary>
public sealed class FusedOpTests
{
    public static TheoryData<int, DType> Targets => Gpu.DevicesAndTypes;

    private const float Eps = 1e-5f;

    private static void Check(string op, int device, DType type, float[] cpu, float[] gpu, bool chained = false)
    {
        double nmse = OpHarness.Nmse(gpu, cpu);
        double bound = type == DType.F32 ? 1e-9 : chained ? 1e-3 : 1e-4;
        Report.Line($"op {op,-44} cuda:{device} {type,-4} NMSE {nmse:E2}");
        Assert.True(nmse <= bound, $"{op}: NMSE {nmse:E3} above {bound:E1}");
    }

    /// <summary>Norm weights around 1, as trained models have them.</summary>
    private static float[] NormWeights(OpHarness h, int n) => h.Random(n, 0.3f).Select(v => h.Round(1 + v)).ToArray();

    [Theory, MemberData(nameof(Targets))]
    public void A_decode_layer_of_fused_ops_matches_the_cpu(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        const int heads = 4, kvHeads = 2, headDim = 32, prompt = 6, maxSeq = 64;
        int qDim = heads * headDim, kvDim = kvHeads * headDim;
        // Besides the small shapes (one warp per row everywhere, RoPE in the q/k/v GEMV): hidden 4096 runs q/k/v and
        // gate/up split over k (an 8B's shapes: q/k/v one GEMV, then rope_and_cache), intermediate 8192 runs down one
        // row per block (a 1B's).
        foreach (var (hidden, inter, rows) in new[] { (256, 344, 1), (256, 344, 2), (4096, 344, 1), (4096, 344, 2), (256, 8192, 1), (256, 8192, 2) })
        {
            using var h = new OpHarness(gpu, seed: 50 + rows);
            var rope = new RopeConfig("llama3", 500000, 8, 1, 4, 64);
            using var cpuRope = h.Cpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
            using var gpuRope = h.Gpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
            var shape = new KvCacheShape(2, rows, maxSeq, kvHeads, headDim, null);
            using var cpuCache = h.Cpu.AllocateKvCache(shape);
            using var gpuCache = h.Gpu.AllocateKvCache(shape);

            // A prompt of `prompt` tokens per sequence in the cache (unfused: RopeAndCache on given q/k/v).
            {
                int n = rows * prompt;
                var (pq, pk, pv) = (h.Activation(h.Random(n * qDim), n, qDim), h.Activation(h.Random(n * kvDim), n, kvDim), h.Activation(h.Random(n * kvDim), n, kvDim));
                var pos = h.Ints(Enumerable.Range(0, n).Select(r => r % prompt).ToArray());
                h.Cpu.RopeAndCache(pq.Cpu, pk.Cpu, pv.Cpu, cpuRope, new StepLayout(rows, prompt, 0, pos.Cpu), cpuCache, 0);
                h.Gpu.RopeAndCache(pq.Gpu, pk.Gpu, pv.Gpu, gpuRope, new StepLayout(rows, prompt, 0, pos.Gpu), gpuCache, 0);
            }

            var x = h.Activation(h.Random(rows * hidden), rows, hidden);
            var (n1, n2) = (h.Weight("n1", NormWeights(h, hidden), 1, hidden, vector: true), h.Weight("n2", NormWeights(h, hidden), 1, hidden, vector: true));
            var qkv = h.WeightGroup(hidden, ("q", h.Random(qDim * hidden, 0.1f), qDim), ("k", h.Random(kvDim * hidden, 0.1f), kvDim), ("v", h.Random(kvDim * hidden, 0.1f), kvDim));
            var bk = h.Weight("bk", h.Random(kvDim), 1, kvDim, vector: true);
            var wo = h.Weight("o", h.Random(hidden * qDim, 0.1f), hidden, qDim);
            var gateUp = h.WeightGroup(hidden, ("gate", h.Random(inter * hidden, 0.1f), inter), ("up", h.Random(inter * hidden, 0.1f), inter));
            var wd = h.Weight("down", h.Random(hidden * inter, 0.1f), hidden, inter);
            var (hn, q, k, v, a, d, g, u) = (h.Empty(rows, hidden), h.Empty(rows, qDim), h.Empty(rows, kvDim), h.Empty(rows, kvDim),
                h.Empty(rows, qDim), h.Empty(rows, hidden), h.Empty(rows, inter), h.Empty(rows, inter));
            var (q2, k2, v2) = (h.Empty(rows, qDim), h.Empty(rows, kvDim), h.Empty(rows, kvDim));
            var position = h.Ints(Enumerable.Repeat(prompt, rows).ToArray());

            foreach (var be in new IBackend[] { h.Cpu, h.Gpu })
            {
                bool cpu = be == h.Cpu;
                DeviceTensor T((DeviceTensor Cpu, DeviceTensor Gpu) t) => cpu ? t.Cpu : t.Gpu;
                DeviceWeight W((DeviceWeight Cpu, DeviceWeight Gpu) w) => cpu ? w.Cpu : w.Gpu;
                var step = new StepLayout(rows, 1, prompt, T(position));
                var attentionInput = new QkvWeights(W(qkv[0]), W(qkv[1]), W(qkv[2])) { KeyBias = W(bk) };
                be.RmsNorm(T(x), W(n1), Eps, T(hn));
                be.QkvRopeAndCache(T(hn), attentionInput, Eps, cpu ? cpuRope : gpuRope, step, cpu ? cpuCache : gpuCache, 0, T(q), T(k), T(v));
                be.Attention(T(q), cpu ? cpuCache : gpuCache, 0, step, T(a));
                be.MatMul(T(a), W(wo), null, T(d));
                be.AddRmsNorm(T(x), T(d), W(n2), Eps, T(hn));
                be.GateUpSwiGlu(T(hn), W(gateUp[0]), W(gateUp[1]), T(g), T(u));
                be.MatMul(T(g), W(wd), null, T(d));
                be.AddRmsNorm(T(x), T(d), W(n1), Eps, T(hn));
                // The next layer's q/k/v read that norm.
                be.QkvRopeAndCache(T(hn), attentionInput, Eps, cpu ? cpuRope : gpuRope, step, cpu ? cpuCache : gpuCache, 1, T(q2), T(k2), T(v2));
            }
            foreach (var (name, t, chained) in new[] { ("q (RoPE)", q, false), ("k (RoPE) +bias", k, false), ("v", v, false), ("attention", a, true),
                         ("up", u, true), ("SwiGLU", g, true), ("down", d, true), ("residual", x, true), ("normed", hn, true),
                         ("next q (RoPE)", q2, true), ("next k (RoPE) +bias", k2, true), ("next v", v2, true) })
            {
                var (c, r) = h.Read(t);
                Check($"fused decode layer {name} n={rows} hidden={hidden} inter={inter}", device, type, c, r, chained);
            }
        }
    }

    /// <summary>
    /// Qwen3's q/k norm: the fused op runs the q/k/v products as one launch (decode) or one cuBLASLt product each
    /// (prefill), rms_norm on q and on k, then rope_and_cache — and must match the CPU's composition, with biases too
    /// (Qwen3 with attention_bias). Decode rows (1, 2) and a prefill of 9 tokens per sequence, into the cache and through
    /// attention over it.
    /// </summary>
    [Theory, MemberData(nameof(Targets))]
    public void Qwen3_qk_norm_inside_the_fused_attention_input_matches_the_cpu(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        const int hidden = 256, heads = 4, kvHeads = 2, headDim = 64, maxSeq = 32;
        int qDim = heads * headDim, kvDim = kvHeads * headDim;
        foreach (var (batch, tokens) in new[] { (1, 1), (2, 1), (2, 9) })
        {
            using var h = new OpHarness(gpu, seed: 31 + batch * tokens);
            int rows = batch * tokens;
            var rope = new RopeConfig("default", 1000000);
            using var cpuRope = h.Cpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
            using var gpuRope = h.Gpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
            var shape = new KvCacheShape(1, batch, maxSeq, kvHeads, headDim, null);
            using var cpuCache = h.Cpu.AllocateKvCache(shape);
            using var gpuCache = h.Gpu.AllocateKvCache(shape);
            var x = h.Activation(h.Random(rows * hidden), rows, hidden);
            var qkv = h.WeightGroup(hidden, ("q", h.Random(qDim * hidden, 0.1f), qDim), ("k", h.Random(kvDim * hidden, 0.1f), kvDim), ("v", h.Random(kvDim * hidden, 0.1f), kvDim));
            var (bq, bk, bv) = (h.Weight("bq", h.Random(qDim), 1, qDim, vector: true), h.Weight("bk", h.Random(kvDim), 1, kvDim, vector: true), h.Weight("bv", h.Random(kvDim), 1, kvDim, vector: true));
            var (qn, kn) = (h.Weight("q_norm", NormWeights(h, headDim), 1, headDim, vector: true), h.Weight("k_norm", NormWeights(h, headDim), 1, headDim, vector: true));
            var (q, k, v, o) = (h.Empty(rows, qDim), h.Empty(rows, kvDim), h.Empty(rows, kvDim), h.Empty(rows, qDim));
            // Positions continue a prompt of 3 tokens per sequence, cached first with the plain RopeAndCache.
            {
                const int prompt = 3;
                int n = batch * prompt;
                var (pq, pk, pv) = (h.Activation(h.Random(n * qDim), n, qDim), h.Activation(h.Random(n * kvDim), n, kvDim), h.Activation(h.Random(n * kvDim), n, kvDim));
                var promptPositions = h.Ints(Enumerable.Range(0, n).Select(r => r % prompt).ToArray());
                h.Cpu.RopeAndCache(pq.Cpu, pk.Cpu, pv.Cpu, cpuRope, new StepLayout(batch, prompt, 0, promptPositions.Cpu), cpuCache, 0);
                h.Gpu.RopeAndCache(pq.Gpu, pk.Gpu, pv.Gpu, gpuRope, new StepLayout(batch, prompt, 0, promptPositions.Gpu), gpuCache, 0);
            }
            var pos = h.Ints(Enumerable.Range(0, rows).Select(r => 3 + r % tokens).ToArray());
            foreach (bool withBias in new[] { false, true })
            {
                foreach (var be in new IBackend[] { h.Cpu, h.Gpu })
                {
                    bool cpu = be == h.Cpu;
                    DeviceTensor T((DeviceTensor Cpu, DeviceTensor Gpu) t) => cpu ? t.Cpu : t.Gpu;
                    DeviceWeight W((DeviceWeight Cpu, DeviceWeight Gpu) w) => cpu ? w.Cpu : w.Gpu;
                    var w = new QkvWeights(W(qkv[0]), W(qkv[1]), W(qkv[2]))
                    {
                        QueryBias = withBias ? W(bq) : null, KeyBias = withBias ? W(bk) : null, ValueBias = withBias ? W(bv) : null,
                        QueryNorm = W(qn), KeyNorm = W(kn),
                    };
                    var step = new StepLayout(batch, tokens, 3, T(pos));
                    be.QkvRopeAndCache(T(x), w, Eps, cpu ? cpuRope : gpuRope, step, cpu ? cpuCache : gpuCache, 0, T(q), T(k), T(v));
                    be.Attention(T(q), cpu ? cpuCache : gpuCache, 0, step, T(o));
                }
                foreach (var (name, t, chained) in new[] { ("q (norm, RoPE)", q, true), ("k (norm, RoPE)", k, true), ("v", v, false), ("attention", o, true) })
                {
                    var (c, r) = h.Read(t);
                    Check($"q/k norm attention input{(withBias ? " +bias" : "")} b={batch} t={tokens}: {name}", device, type, c, r, chained);
                }
            }
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Prefill_qkv_over_grouped_weights_matches_rope_cache_and_attention(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu, seed: 77);
        const int hidden = 128, heads = 8, kvHeads = 2, headDim = 16, batch = 2, tokens = 9, maxSeq = 32;
        int qDim = heads * headDim, kvDim = kvHeads * headDim, rows = batch * tokens;
        var rope = new RopeConfig("default", 10000);
        using var cpuRope = h.Cpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
        using var gpuRope = h.Gpu.CreateRopeTable(rope.Spec(headDim), maxSeq);
        var shape = new KvCacheShape(1, batch, maxSeq, kvHeads, headDim, null);
        using var cpuCache = h.Cpu.AllocateKvCache(shape);
        using var gpuCache = h.Gpu.AllocateKvCache(shape);
        var x = h.Activation(h.Random(rows * hidden), rows, hidden);
        var qkv = h.WeightGroup(hidden, ("q", h.Random(qDim * hidden, 0.2f), qDim), ("k", h.Random(kvDim * hidden, 0.2f), kvDim), ("v", h.Random(kvDim * hidden, 0.2f), kvDim));
        var (q, k, v, o) = (h.Empty(rows, qDim), h.Empty(rows, kvDim), h.Empty(rows, kvDim), h.Empty(rows, qDim));
        var pos = h.Ints(Enumerable.Range(0, rows).Select(r => r % tokens).ToArray());
        foreach (var be in new IBackend[] { h.Cpu, h.Gpu })
        {
            bool cpu = be == h.Cpu;
            DeviceTensor T((DeviceTensor Cpu, DeviceTensor Gpu) t) => cpu ? t.Cpu : t.Gpu;
            var step = new StepLayout(batch, tokens, 0, T(pos));
            var w = new QkvWeights(cpu ? qkv[0].Cpu : qkv[0].Gpu, cpu ? qkv[1].Cpu : qkv[1].Gpu, cpu ? qkv[2].Cpu : qkv[2].Gpu);
            be.QkvRopeAndCache(T(x), w, Eps, cpu ? cpuRope : gpuRope, step, cpu ? cpuCache : gpuCache, 0, T(q), T(k), T(v));
            be.Attention(T(q), cpu ? cpuCache : gpuCache, 0, step, T(o));
        }
        foreach (var (name, t) in new[] { ("q (RoPE)", q), ("k (RoPE)", k), ("v", v), ("attention", o) })
        {
            var (c, r) = h.Read(t);
            Check($"prefill q/k/v as one product: {name}", device, type, c, r);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void A_fused_decode_step_at_a_position_past_the_cache_is_reported(int device, DType type)
    {
        using var gpu = Gpu.Open(device, type);
        using var h = new OpHarness(gpu);
        const int hidden = 64, headDim = 16;
        using var cache = gpu.AllocateKvCache(new KvCacheShape(1, 1, 8, 1, headDim, null));
        using var rope = gpu.CreateRopeTable(new RopeConfig("default", 10000).Spec(headDim), 8);
        var x = h.Activation(h.Random(hidden), 1, hidden);
        var norm = h.Weight("norm", NormWeights(h, hidden), 1, hidden, vector: true);
        var qkv = h.WeightGroup(hidden, ("q", h.Random(2 * headDim * hidden, 0.2f), 2 * headDim), ("k", h.Random(headDim * hidden, 0.2f), headDim), ("v", h.Random(headDim * hidden, 0.2f), headDim));
        var (hn, q, k, v) = (h.Empty(1, hidden), h.Empty(1, 2 * headDim), h.Empty(1, headDim), h.Empty(1, headDim));
        var pos = h.Ints([8]);
        gpu.RmsNorm(x.Gpu, norm.Gpu, Eps, hn.Gpu);
        gpu.QkvRopeAndCache(hn.Gpu, new QkvWeights(qkv[0].Gpu, qkv[1].Gpu, qkv[2].Gpu), Eps, rope, new StepLayout(1, 1, 8, pos.Gpu), cache, 0, q.Gpu, k.Gpu, v.Gpu);
        var e = Assert.Throws<InvalidOptionException>(gpu.Synchronize);
        Assert.Contains("position", e.Message);
    }
}
