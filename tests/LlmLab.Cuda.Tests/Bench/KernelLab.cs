using LlmLab.Backends;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests.Bench;

/// <summary>
/// Device time of each decode op of a loaded model (batch 1, layer 0's weights), and of the GEMV shapes swept over
/// launch configurations: each op is captured <see cref="Repeats"/> times into one graph and the graph replayed, so
/// the figure includes the gap between dependent kernels exactly as a decode step sees it. GEMVs report GB/s.
/// </summary>
internal static class KernelLab
{
    private const int Repeats = 20;
    private const int Replays = 10;

    public static void Run(CudaBackend gpu, Transformer model, int context)
    {
        var c = model.Config;
        var w = model.Weights.Layers[0];
        var act = gpu.ActivationType;
        using var x = gpu.Allocate(act, 1, c.HiddenSize);
        using var h = gpu.Allocate(act, 1, c.HiddenSize);
        using var d = gpu.Allocate(act, 1, c.HiddenSize);
        using var q = gpu.Allocate(act, 1, c.QueryDim);
        using var k = gpu.Allocate(act, 1, c.KvDim);
        using var v = gpu.Allocate(act, 1, c.KvDim);
        using var a = gpu.Allocate(act, 1, c.QueryDim);
        using var g = gpu.Allocate(act, 1, c.IntermediateSize);
        using var u = gpu.Allocate(act, 1, c.IntermediateSize);
        using var logits = gpu.Allocate(DType.F32, 1, c.VocabSize);
        using var ids = gpu.Allocate(DType.I32, 1, 1);
        using var positions = gpu.Allocate(DType.I32, 1, 1);
        using var cache = gpu.AllocateKvCache(new KvCacheShape(1, 1, Math.Max(context + 1, 1024), c.NumKvHeads, c.HeadDim, c.SlidingWindow));
        using var rope = gpu.CreateRopeTable(c.Rope.Spec(c.HeadDim), Math.Max(context + 1, 1024));
        using var longCache = gpu.AllocateKvCache(new KvCacheShape(1, 1, 4096, c.NumKvHeads, c.HeadDim, c.SlidingWindow));
        gpu.Write(ids, [1000]);
        gpu.Write(positions, [context]);
        var step = new StepLayout(1, 1, context, positions);
        float eps = c.RmsNormEps;

        Console.WriteLine($"kernel lab, batch 1, context {context} (µs per op, graph of {Repeats} repeats):");
        double Gemv(string name, DeviceWeight weight, DeviceTensor input, DeviceTensor output) =>
            Report(name, Time(gpu, () => gpu.MatMul(input, weight, null, output)), weight.Bytes);
        double total = 0;
        int layers = c.NumLayers;
        total += layers * Gemv("q proj", w.Query, h, q);
        total += layers * Gemv("k proj", w.Key, h, k);
        total += layers * Gemv("v proj", w.Value, h, v);
        total += layers * Report("q+k+v fused", Time(gpu, () => gpu.QkvProjection(h, new QkvWeights(w.Query, w.Key, w.Value), q, k, v)),
            w.Query.Bytes + w.Key.Bytes + w.Value.Bytes);
        total += layers * Gemv("o proj", w.Output, a, d);
        total += layers * Gemv("gate proj", w.Gate, h, g);
        total += layers * Gemv("down proj", w.Down, g, d);
        total += layers * Report("gate+up+swiglu fused", Time(gpu, () => gpu.GateUpSwiGlu(h, w.Gate, w.Up, g, u)),
            w.Gate.Bytes + w.Up.Bytes);
        Gemv("lm head (f32 out)", model.Weights.OutputHead, h, logits);
        total += layers * 2 * Report("add+rmsnorm", Time(gpu, () => gpu.AddRmsNorm(x, d, w.MlpNorm, eps, h)));
        Report("rmsnorm", Time(gpu, () => gpu.RmsNorm(x, w.AttentionNorm, eps, h)));
        var tuned = gpu.Tuning;
        gpu.Tuning = tuned with { NormPreloadWeights = false };
        Report("add+rmsnorm (weight after the sum)", Time(gpu, () => gpu.AddRmsNorm(x, d, w.MlpNorm, eps, h)));
        Report("rmsnorm (weight after the sum)", Time(gpu, () => gpu.RmsNorm(x, w.AttentionNorm, eps, h)));
        gpu.Tuning = tuned;
        total += layers * Report("rope+cache", Time(gpu, () => gpu.RopeAndCache(q, k, v, rope, step, cache, 0)));
        total += layers * Report($"attention decode @{context}", Time(gpu, () => gpu.Attention(q, cache, 0, step, a)));
        Report("norm, q/k/v+RoPE+cache (fused)", Time(gpu, () =>
        {
            gpu.RmsNorm(x, w.AttentionNorm, eps, h);
            gpu.QkvRopeAndCache(h, w.Qkv, eps, rope, step, cache, 0, q, k, v);
        }), w.Query.Bytes + w.Key.Bytes + w.Value.Bytes);
        Report("o, residual add + norm", Time(gpu, () => { gpu.MatMul(a, w.Output, null, d); gpu.AddRmsNorm(x, d, w.MlpNorm, eps, h); }), w.Output.Bytes);
        Report("norm, gate+up+SwiGLU (fused)", Time(gpu, () =>
        {
            gpu.RmsNorm(x, w.MlpNorm, eps, h);
            gpu.GateUpSwiGlu(h, w.Gate, w.Up, g, u);
        }), w.Gate.Bytes + w.Up.Bytes);
        foreach (int at in new[] { 128, 2048, 4000 })
        {
            gpu.Write(positions, [at]);
            Report($"attention decode @{at} (cache 4096)", Time(gpu, () => gpu.Attention(q, longCache, 0, new StepLayout(1, 1, at, positions), a)));
        }
        gpu.Write(positions, [context]);
        Report("swiglu", Time(gpu, () => gpu.SwiGlu(g, u, g)));
        Report("embedding", Time(gpu, () => gpu.Embedding(ids, model.Weights.Embedding, x)));
        Report("argmax", Time(gpu, () => gpu.Argmax(logits, ids)));
        using var one = gpu.Allocate(act, 1, 1);
        Report("add (1 element: launch floor)", Time(gpu, () => gpu.Add(one, one)));
        Console.WriteLine($"  sum of fused layer ops × {layers} layers (without head): {total / 1000:0.000} ms");

        // GEMV launch configurations (warps per block, warps per row, loads per batch) on this model's shapes.
        foreach (var (warps, split, unroll) in new[] { (4, 1, 4), (4, 1, 2), (8, 1, 2), (8, 1, 4), (2, 1, 4), (8, 4, 4), (8, 4, 2), (8, 8, 4), (16, 4, 4), (4, 4, 4) })
        {
            gpu.Tuning = tuned with { GemvShape = new GemvShape(warps, split, unroll) };
            double qs = Time(gpu, () => gpu.MatMul(h, w.Query, null, q));
            double ks = Time(gpu, () => gpu.MatMul(h, w.Key, null, k));
            double gs = Time(gpu, () => gpu.MatMul(h, w.Gate, null, g));
            double ds = Time(gpu, () => gpu.MatMul(g, w.Down, null, d));
            double os = Time(gpu, () => gpu.MatMul(a, w.Output, null, d));
            double gu = Time(gpu, () => gpu.GateUpSwiGlu(h, w.Gate, w.Up, g, u));
            Console.WriteLine($"  gemv warps {warps} split {split} unroll {unroll}: q {qs:0.0} µs ({w.Query.Bytes / qs / 1e3:0} GB/s), k {ks:0.0} ({w.Key.Bytes / ks / 1e3:0}), " +
                              $"gate {gs:0.0} ({w.Gate.Bytes / gs / 1e3:0}), down {ds:0.0} ({w.Down.Bytes / ds / 1e3:0}), o {os:0.0} ({w.Output.Bytes / os / 1e3:0}), gate+up+swiglu {gu:0.0} ({2 * w.Gate.Bytes / gu / 1e3:0})");
        }
        gpu.Tuning = tuned;

        // GEMV against cuBLASLt for a few rows (the threshold between them).
        foreach (int rows in new[] { 1, 2, 3, 4 })
        {
            using var xs = gpu.Allocate(act, rows, c.HiddenSize);
            using var ys = gpu.Allocate(act, rows, c.IntermediateSize);
            gpu.Tuning = tuned with { GemvRowLimit = CudaTuning.MaxGemvRows };
            double gemv = Time(gpu, () => gpu.MatMul(xs, w.Gate, null, ys));
            gpu.Tuning = tuned with { GemvRowLimit = 0 };
            double blas = Time(gpu, () => gpu.MatMul(xs, w.Gate, null, ys));
            Console.WriteLine($"  gate proj, {rows} rows: gemv {gemv:0.0} µs, cuBLASLt {blas:0.0} µs");
        }
        gpu.Tuning = tuned;
    }

    private static double Report(string name, double microseconds, long bytes = 0)
    {
        Console.WriteLine($"  {name,-34} {microseconds,8:0.0} µs{(bytes > 0 ? $"  {bytes / microseconds / 1e3,6:0} GB/s" : "")}");
        return microseconds;
    }

    /// <summary>Mean device time of one call of <paramref name="op"/>, µs.</summary>
    public static double Time(CudaBackend gpu, Action op)
    {
        gpu.BeginCapture();
        for (int i = 0; i < Repeats; i++) op();
        using var graph = gpu.EndCapture();
        graph.Replay();
        gpu.Synchronize();
        using var start = CudaEvent.Create(gpu.Context);
        using var end = CudaEvent.Create(gpu.Context);
        start.Record(gpu.Stream);
        for (int i = 0; i < Replays; i++) graph.Replay();
        end.Record(gpu.Stream);
        end.Synchronize();
        return end.MillisecondsSince(start) * 1000.0 / (Repeats * Replays);
    }
}
