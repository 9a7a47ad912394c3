using System.Diagnostics;
using System.Globalization;
using LlmLab.Generation;
using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Cuda.Tests.Bench;

/// <summary>
/// Kernel lab for the quantized decode GEMV: one model (a checkpoint folder quantized at load with --quant), decode
/// tok/s with each <see cref="CudaTuning.QuantGemvStages"/> setting in turn (each after a fresh session, so graphs are
/// captured with that setting's kernels), alternating so clock drift shows. Prints ms per step and the ratio to the
/// first setting; `llmlab bench` gives the roofline arithmetic of the default.
/// Then time to first token (a P-token prompt, median of 5) with each prefill slice size (--slices, MiB of dequantized
/// weight per cuBLASLt product; the default dequantizes most weights whole).
/// With FP8 weights, TTFT with prefill on the FP8 tensor cores and dequantized (--fp8-prefill on,off; the products each ran
/// on the tensor cores are counted).
/// usage: quant-lab --dir FOLDER --quant MIX [--stages 1,3,2,1,3] [--steps N] [--prompt P] [--slices 128,32,16,128] [--fp8-prefill on,off,on]
/// </summary>
internal static class QuantLab
{
    public static int Run(string[] args)
    {
        string? dir = null;
        QuantizationMix? quant = null;
        int[] stages = [1, 3, 2, 1, 3];
        int steps = 256, prompt = 512;
        long[] slices = [128, 32, 16, 128];
        bool[] fp8Prefill = [true, false, true];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dir": dir = args[++i]; break;
                case "--quant": quant = QuantizationMix.Parse(args[++i]); break;
                case "--stages": stages = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--prompt": prompt = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--slices": slices = args[++i].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--fp8-prefill": fp8Prefill = args[++i].Split(',').Select(s => s == "on").ToArray(); break;
                default: Console.Error.WriteLine($"quant-lab: unknown option {args[i]}"); return 2;
            }
        }
        if (dir is null) { Console.Error.WriteLine("quant-lab: --dir FOLDER is required"); return 2; }
        using var gpu = CudaBackend.Create(0, CudaBackendOptions.Default);
        using var model = Transformer.Load(dir, gpu, quant);
        Console.WriteLine($"quant-lab: {dir} {quant?.Name ?? "as stored"} on {gpu.Info.Name}; prompt {prompt}, {steps} decode steps per setting");
        // The roofline as `llmlab bench` computes it: copy bandwidth ÷ bytes one step reads (weights, K and V at the mean context).
        double bandwidth = gpu.MeasureCopyBandwidth(1L << 30, 10);
        long bytesPerToken = Benchmark.BytesPerToken(model, prompt + 16 + steps / 2);
        double roofline = bandwidth / bytesPerToken;
        Console.WriteLine($"roofline = {bandwidth / 1e9:F1} GB/s ÷ {bytesPerToken / 1e6:F2} MB = {roofline:F1} tok/s");
        double? first = null;
        foreach (int s in stages)
        {
            gpu.Tuning = gpu.Tuning with { QuantGemvStages = s };
            using var session = model.CreateSession(1, prompt + steps + 32, InferenceSession.DefaultChunk);
            var random = new Random(7);
            session.Step(Enumerable.Range(0, prompt).Select(_ => random.Next(1000, 100000)).ToArray());
            _ = session.Decode([1234], 16, SamplingOptions.Greedy).Count();   // capture and warm up
            gpu.Synchronize();
            var sw = Stopwatch.StartNew();
            int decoded = session.Decode([1234], steps, SamplingOptions.Greedy).Count();
            double rate = decoded / sw.Elapsed.TotalSeconds;
            first ??= rate;
            Console.WriteLine($"stages {s}: {rate:F1} tok/s = {100 * rate / roofline:F1} % of roofline, {1e3 / rate:F3} ms/step, {rate / first.Value:F3}× the first setting");
        }
        gpu.Tuning = gpu.Tuning with { QuantGemvStages = 1 };
        var tokens = Enumerable.Range(0, prompt).Select(i => 1000 + i * 37 % 90000).ToArray();
        foreach (long mib in slices)
        {
            gpu.Tuning = gpu.Tuning with { DequantSliceBytes = mib << 20 };
            Console.WriteLine($"prefill slices of {mib} MiB: {Ttft(gpu, model, tokens)}");
        }
        if (model.Manifest.Weights.Any(w => w.Format == LlmLab.Tensors.TensorFormat.FP8))
            foreach (bool on in fp8Prefill)
            {
                gpu.Tuning = gpu.Tuning with { DequantSliceBytes = LlmLab.Backends.CudaMemoryRule.DequantWorkspaceCapBytes, Fp8TensorCorePrefill = on };
                int before = gpu.Fp8TensorCoreProducts;
                string ttft = Ttft(gpu, model, tokens);
                Console.WriteLine($"fp8 prefill {(on ? "on tensor cores" : "dequantized")}: {ttft}; {gpu.Fp8TensorCoreProducts - before} products on FP8 tensor cores" +
                                  (gpu.Fp8TensorCoreProducts > before ? (gpu.Fp8ScalesInProduct ? ", scaled by cuBLASLt" : ", scaled by fp8_rescale") : "") +
                                  (gpu.GemmRefusal is { } why ? $"; cuBLASLt refused: {why}" : ""));
            }
        return 0;
    }

    /// <summary>Time to first token of <paramref name="tokens"/> in a fresh session: the median of 5 after one warm-up.</summary>
    private static string Ttft(CudaBackend gpu, Transformer model, int[] tokens)
    {
        var times = new List<double>();
        for (int trial = 0; trial < 6; trial++)
        {
            using var session = model.CreateSession(1, tokens.Length + 8, InferenceSession.DefaultChunk);
            gpu.Synchronize();
            var sw = Stopwatch.StartNew();
            session.Step(tokens);
            gpu.Synchronize();
            if (trial > 0) times.Add(sw.Elapsed.TotalMilliseconds);   // the first warms up
        }
        times.Sort();
        return $"TTFT {times[times.Count / 2]:F2} ms (median of {times.Count}; {string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))})";
    }
}
