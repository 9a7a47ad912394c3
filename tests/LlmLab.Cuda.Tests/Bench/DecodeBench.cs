using LlmLab.Measurement;
using System.Diagnostics;
using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests.Bench;

/// <summary>
/// Decode benchmark on cuda:0 over random-weight checkpoints (BF16). It states its arithmetic: bytes read per
/// token (weights + the KV cache read at the mean context), the copy bandwidth measured in the same run, and the
/// fraction of the roofline (bandwidth ÷ bytes per token) achieved. Also: time to first token for a 512-token
/// prompt, aggregate decode throughput over batch sizes, and peak device memory with a 4k context.
/// With --quant MIX (Q8_0, Q4_0, Q4_K_M, …) the weights are quantized at load time (gemv_quant.cu reads the blocks) and
/// the roofline counts the blocks' bytes.
/// usage: bench [--preset llama-3.2-1b|llama-3.1-8b]... [--dir FOLDER] [--json FILE] [--steps N] [--quant MIX] [--lab]
/// </summary>
internal static class DecodeBench
{
    public static int Run(string[] args)
    {
        var presets = new List<string>();
        string root = Directory.Exists("/dev/shm") ? "/dev/shm/llmlab-bench" : Path.Combine(Path.GetTempPath(), "llmlab-bench");
        string? json = null;
        int steps = 256;
        bool lab = false;
        QuantizationMix? quant = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--preset": presets.Add(args[++i]); break;
                case "--dir": root = args[++i]; break;
                case "--json": json = args[++i]; break;
                case "--steps": steps = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--lab": lab = true; break;
                case "--quant": quant = QuantizationMix.Parse(args[++i]); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (presets.Count == 0) presets.AddRange(DefaultPresets);
        if (CudaBackend.Availability(out _) is { } reason)
        {
            Console.Error.WriteLine($"no CUDA GPU: {reason}");
            return 1;
        }
        var results = new List<Dictionary<string, object>>();
        foreach (var preset in presets)
        {
            var sw = Stopwatch.StartNew();
            var dir = EnsureCheckpoint(preset, Path.Combine(root, preset));
            Console.WriteLine($"== {preset}: checkpoint ready in {sw.Elapsed.TotalSeconds:0.0} s ({dir})");
            results.Add(RunPreset(preset, dir, steps, lab, quant));
        }
        if (json is not null) File.WriteAllText(json, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>Models benchmarked when no --preset is given.</summary>
    private static readonly string[] DefaultPresets = ["llama-3.2-1b", "llama-3.1-8b"];

    /// <summary>
    /// A random BF16 checkpoint of the preset's shapes, written once by the engine's make-random code (decode
    /// speed depends on shapes, not values); a folder with a complete config and weights is reused.
    /// </summary>
    private static string EnsureCheckpoint(string preset, string directory)
    {
        string done = Path.Combine(directory, ".complete");
        if (File.Exists(done)) return directory;
        LlmLab.Checkpoints.RandomCheckpoint.Write(LlmLab.Checkpoints.ModelPreset.Get(preset), DType.BF16, directory, seed: 1);
        File.WriteAllText(done, preset);
        return directory;
    }

    private static Dictionary<string, object> RunPreset(string preset, string dir, int steps, bool lab, QuantizationMix? quant)
    {
        var r = new Dictionary<string, object> { ["preset"] = preset, ["quant"] = quant?.Name ?? "BF16" };
        using var gpu = CudaBackend.Create(0, CudaBackendOptions.Default);
        r["device"] = $"{gpu.Info.Name} (cc {gpu.Info.ComputeCapability}, {gpu.Info.Multiprocessors} SMs)";

        var config = ModelConfigReader.Read(dir);
        gpu.CheckFits(gpu.Plan(config.Shape, 1, 4096));
        var sw = Stopwatch.StartNew();
        using var model = Transformer.Load(dir, gpu, quant);
        gpu.Synchronize();
        long weights = model.Weights.Bytes;
        r["load_s"] = sw.Elapsed.TotalSeconds;
        r["weight_bytes"] = weights;
        Console.WriteLine($"loaded {weights / 1e9:0.00} GB of weights in {sw.Elapsed.TotalSeconds:0.0} s");
        if (lab) KernelLab.Run(gpu, model, context: 512);
        var random = new Random(7);
        int[] Tokens(int n) => Enumerable.Range(0, n).Select(_ => random.Next(1000, 100000)).ToArray();

        // Peak memory with a 4k context: prefill 4096 tokens in 512-token chunks, then decode.
        {
            using var session = model.CreateSession(1, 4096, InferenceSession.DefaultChunk);
            session.Step(Tokens(4096 - 16));
            for (int i = 0; i < 16; i++) session.Step(Tokens(1));
            gpu.Synchronize();
            var report = gpu.MemoryReport();
            long kv = report.KvCacheBytes;
            r["peak_bytes_4k"] = report.PeakBytes;
            r["peak_over_weights_plus_kv_4k"] = (double)report.PeakBytes / (weights + kv);
            r["driver_used_since_start_4k"] = report.DriverUsedSinceStartBytes;
            Console.WriteLine($"4k context: peak held {report.PeakBytes / 1e9:0.000} GB = weights {weights / 1e9:0.000} + KV {kv / 1e9:0.000} + {(report.PeakBytes - weights - kv) / 1e6:0.0} MB " +
                              $"({100.0 * report.PeakBytes / (weights + kv) - 100:0.00}% over weights + KV); driver: {report.DriverUsedSinceStartBytes / 1e9:0.000} GB used since start");
        }

        // The copy test after the peak-memory section: its two 2 GiB buffers would otherwise be the peak of a small model.
        double bandwidth = gpu.MeasureCopyBandwidth(2L << 30, 20);
        r["copy_bandwidth_GBps"] = bandwidth / 1e9;
        Console.WriteLine($"{r["device"]}: copy bandwidth {bandwidth / 1e9:0} GB/s (2 GiB device-to-device, read + write, 20 copies)");

        // Decode, batch 1, at the bench's context (512 + 256): graph replays; "serial" reads each token back (the
        // generation loop), "queued" syncs once. Variants alternate with the default so drift in clocks shows:
        // what attention and the norm kernels cost inside a whole step (left out: timing only, wrong tokens), and
        // shapes for the short products (≤ 4096 rows, k ≤ 2048: a 1B's q/k/v and o) that keep more of each row in flight.
        long kvPerToken = config.KvCacheBytesPerToken(gpu.ActivationType.SizeOf());
        int variant = 0;
        var tuned = gpu.Tuning;
        var variants = new (string Name, CudaTuning Tuning)[]
        {
            ("default", tuned),
            ("without decode attention (timing only)", tuned with { OmitForTiming = TimingOmission.DecodeAttention }),
            ("default", tuned),
            ("attention without clusters", tuned with { ClusterAttention = false }),
            ("default", tuned),
            ("attention in clusters of 8", tuned with { AttentionClusterSize = 8 }),
            ("attention in clusters of 16", tuned with { AttentionClusterSize = 16 }),
            ("default", tuned),
            ("attention without clusters", tuned with { ClusterAttention = false }),
            ("default", tuned),
        };
        foreach (var (name, tuning) in variants)
        {
            gpu.Tuning = tuning;
            r[$"decode_{name}_{variant++}"] = Decode(name, prompt: 512, context: 768);
            gpu.Tuning = tuned;
        }
        foreach (bool cluster in new[] { false, true })
        {
            gpu.Tuning = tuned with { ClusterAttention = cluster };
            r[$"decode_prompt_2048_clusters_{cluster}_{variant++}"] = Decode($"prompt 2048, cache 4096{(cluster ? ", attention in clusters" : "")}", prompt: 2048, context: 4096);
        }
        gpu.Tuning = tuned;

        r["decode_default_prompt_512"] = Decode("default, prompt 512, cache 768", 512, 768);

        // Batches at the bench's context (512 + 256), decode splits aiming at 2 blocks per multiprocessor (run 8: 4 cost 3-8%).
        foreach (int target in new[] { 2 })
        {
            gpu.Tuning = tuned with { DecodeBlocksPerMultiprocessor = target };
            foreach (int batch in new[] { 4, 16, 64 })
            {
                using var session = model.CreateSession(batch, 768, 64);
                session.Step(Tokens(batch * 512));
                var next = Tokens(batch);
                for (int i = 0; i < 4; i++) session.Step(next);
                gpu.Synchronize();
                const int batchSteps = 32;
                sw.Restart();
                for (int i = 0; i < batchSteps; i++) session.Step(next);
                gpu.Synchronize();
                double aggregate = batch * batchSteps / sw.Elapsed.TotalSeconds;
                r[$"batch_{batch}_at_512_target_{target}"] = aggregate;
                Console.WriteLine($"batch {batch,3} at context ~530, splits for {target} blocks/SM: {aggregate,8:0} tok/s aggregate");
            }
        }

        double Decode(string name, int prompt, int context)
        {
            using var session = model.CreateSession(1, context, InferenceSession.DefaultChunk);
            using var ids = gpu.Allocate(DType.I32, 1, 1);
            session.Step(Tokens(prompt));
            var id = new int[1] { 1234 };
            for (int i = 0; i < 16; i++) session.Step(id);
            gpu.Synchronize();
            int start = session.Position;
            int n = Math.Min(steps, (context - start) / 3);
            var before = gpu.Sample();
            sw.Restart();
            for (int i = 0; i < n; i++)
            {
                var logits = session.Step(id)!;
                gpu.Argmax(logits, ids);
                gpu.Read(ids, id);
            }
            double serial = n / sw.Elapsed.TotalSeconds;
            var after = gpu.Sample();
            // Pipelined: the session's decode loop, as generation and `llmlab bench` run it (step t + 1 on the device's
            // chosen ids is queued before the host waits for token t); its one-token prompt is a decode step too.
            sw.Restart();
            int decoded = session.Decode([id[0]], n, SamplingOptions.Greedy).Count();
            if (decoded != n) throw new InvalidOperationException($"the decode loop gave {decoded} tokens, not {n}");
            double pipelined = n / sw.Elapsed.TotalSeconds;
            sw.Restart();
            for (int i = 0; i < n; i++) session.Step(id);
            gpu.Synchronize();
            double queued = n / sw.Elapsed.TotalSeconds;
            double meanContext = start + 1.5 * n; // over the three loops
            double bytesPerToken = weights + meanContext * kvPerToken;
            double roofline = bandwidth / bytesPerToken;
            double? joules = after.EnergyMillijoules - before.EnergyMillijoules is { } mj ? mj / 1000.0 : null;
            Console.WriteLine($"decode b=1 ({name}): {serial:0.0} tok/s serial ({100 * serial / roofline:0.0}% of roofline), {pipelined:0.0} pipelined ({100 * pipelined / roofline:0.0}%), " +
                              $"{queued:0.0} tok/s queued ({100 * queued / roofline:0.0}%); roofline {roofline:0.0} tok/s = {bandwidth / 1e9:0} GB/s ÷ {bytesPerToken / 1e9:0.000} GB/token " +
                              $"(weights + KV at ~{meanContext:0} tokens); {after.PowerWatts:0} W, SM {after.SmClockMHz} MHz{(joules is { } j ? $", {j / n:0.00} J/token" : "")}");
            return serial;
        }

        // Time to first token: a 512-token prompt, prefill + greedy pick of the first new token, read back.
        foreach (var (name, fuse, flash) in new[] { ("q/k/v as three products, cuBLASLt attention", false, false), ("q/k/v as one product, cuBLASLt attention", true, false), ("q/k/v as one product, flash attention (default)", true, true) })
        {
            gpu.Tuning = tuned with { FuseProducts = fuse, FlashPrefill = flash };
            using var session = model.CreateSession(1, 1024, InferenceSession.DefaultChunk);
            using var ids = gpu.Allocate(DType.I32, 1, 1);
            var prompt = Tokens(512);
            var id = new int[1];
            var times = new List<double>();
            for (int trial = 0; trial < 7; trial++)
            {
                session.Reset();
                gpu.Synchronize();
                sw.Restart();
                var logits = session.Step(prompt)!;
                gpu.Argmax(logits, ids);
                gpu.Read(ids, id);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            var sorted = times.Skip(2).Order().ToArray();
            double median = sorted[sorted.Length / 2];
            double flops = 2.0 * (config.ParameterCount - (long)config.VocabSize * config.HiddenSize) * 512;
            r[$"ttft_512_ms {name}"] = median;
            Console.WriteLine($"TTFT, 512-token prompt ({name}): median {median:0.00} ms (trials {string.Join(", ", times.Select(t => t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms); " +
                              $"{flops / (median / 1e3) / 1e12:0} TFLOP/s on the layers' products");
        }

        gpu.Tuning = tuned;

        // Aggregate decode throughput over batch sizes (queued steps, 64-token prompts).
        var sweep = new Dictionary<string, double>();
        double batchOne = 0;
        foreach (int batch in new[] { 1, 2, 4, 8, 16, 32, 64 })
        {
            using var session = model.CreateSession(batch, 256, 64);
            session.Step(Tokens(batch * 64));
            var next = Tokens(batch);
            for (int i = 0; i < 4; i++) session.Step(next);
            gpu.Synchronize();
            const int sweepSteps = 64;
            sw.Restart();
            for (int i = 0; i < sweepSteps; i++) session.Step(next);
            gpu.Synchronize();
            double aggregate = batch * sweepSteps / sw.Elapsed.TotalSeconds;
            if (batch == 1) batchOne = aggregate;
            sweep[batch.ToString(System.Globalization.CultureInfo.InvariantCulture)] = aggregate;
            Console.WriteLine($"batch {batch,3}: {aggregate,8:0} tok/s aggregate ({aggregate / batchOne:0.0}× batch 1)");
        }
        r["batch_sweep_tok_s"] = sweep;
        var final = gpu.MemoryReport();
        Console.WriteLine($"held at the end: {final.TotalBytes / 1e9:0.000} GB, peak {final.PeakBytes / 1e9:0.000} GB");
        return r;
    }
}
