using System.Diagnostics;
using System.Globalization;
using LlmLab.Generation;
using LlmLab.Models;

namespace LlmLab.Cuda.Tests.Bench;

/// <summary>
/// Kernel lab for the quantized decode GEMV: one model (a checkpoint folder quantized at load with --quant), decode
/// tok/s with each <see cref="CudaBackend.QuantGemvStages"/> setting in turn (each after a fresh session, so graphs are
/// captured with that setting's kernels), alternating so clock drift shows. Prints ms per step and the ratio to the
/// first setting; `llmlab bench` gives the roofline arithmetic of the default.
/// usage: quant-lab --dir FOLDER --quant MIX [--stages 1,3,2,1,3] [--steps N] [--prompt P]
/// </summary>
internal static class QuantLab
{
    public static int Run(string[] args)
    {
        string? dir = null;
        QuantizationMix? quant = null;
        int[] stages = [1, 3, 2, 1, 3];
        int steps = 256, prompt = 512;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dir": dir = args[++i]; break;
                case "--quant": quant = QuantizationMix.Parse(args[++i]); break;
                case "--stages": stages = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--prompt": prompt = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"quant-lab: unknown option {args[i]}"); return 2;
            }
        }
        if (dir is null) { Console.Error.WriteLine("quant-lab: --dir FOLDER is required"); return 2; }
        using var gpu = CudaBackend.Create(0, CudaBackendOptions.Default);
        using var model = Transformer.Load(dir, gpu, quant);
        Console.WriteLine($"quant-lab: {dir} {quant?.Name ?? "as stored"} on {gpu.Info.Name}; prompt {prompt}, {steps} decode steps per setting");
        double? first = null;
        foreach (int s in stages)
        {
            gpu.QuantGemvStages = s;
            using var session = model.CreateSession(1, prompt + steps + 32, InferenceSession.DefaultChunk);
            var random = new Random(7);
            session.Step(Enumerable.Range(0, prompt).Select(_ => random.Next(1000, 100000)).ToArray());
            _ = session.Decode([1234], 16, SamplingOptions.Greedy).Count();   // capture and warm up
            gpu.Synchronize();
            var sw = Stopwatch.StartNew();
            int decoded = session.Decode([1234], steps, SamplingOptions.Greedy).Count();
            double rate = decoded / sw.Elapsed.TotalSeconds;
            first ??= rate;
            Console.WriteLine($"stages {s}: {rate:F1} tok/s, {1e3 / rate:F3} ms/step, {rate / first.Value:F3}× the first setting");
        }
        return 0;
    }
}
