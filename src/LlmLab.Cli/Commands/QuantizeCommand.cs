using System.Diagnostics;
using LlmLab.Formats;
using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab quantize</c>: a Hugging Face folder or GGUF file → a GGUF file in a llama.cpp mix, written tensor by
/// tensor (<see cref="GgufExport"/>) with the bytes <c>--quant</c> loads for the same mix.
/// </summary>
internal static class QuantizeCommand
{
    public static readonly string[] Flags = ["force", "allow-requantize"];

    public const string Usage = """
        quantize --model DIR|FILE --type TYPE --out FILE.gguf [--force] [--allow-requantize]
          Writes a GGUF file llama.cpp loads: metadata as convert_hf_to_gguf.py writes it (a GGUF input keeps its own),
          weights converted by llama.cpp's mix TYPE (F32, F16, BF16, Q8_0, Q6_K, Q5_K_M, Q5_K_S, Q4_K_M, Q4_K_S, Q4_0,
          Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS, Q3_K_M, Q3_K_L, Q2_K), one tensor at a time. Progress on stderr.
          --force overwrites an existing --out; --allow-requantize converts tensors that are already quantized.
        """;

    /// <summary>Shortest gap between progress lines, so a model of many small tensors does not flood stderr.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public static int Run(Arguments a)
    {
        string model = a.Required("model");
        var mix = ModelLocator.ParseQuant(a.Required("type"))!;
        string output = Path.GetFullPath(a.Required("out"));
        bool force = a.Flag("force"), allowRequantize = a.Flag("allow-requantize");
        a.EnsureAllUsed();
        if (File.Exists(output) && !force)
            throw new UsageException($"quantize: {output} exists; pass --force to overwrite it");
        if (Directory.Exists(output))
            throw new UsageException($"quantize: --out {output} is a folder; give a .gguf file path");

        var clock = Stopwatch.StartNew();
        using var files = ModelFiles.Open(model, mix, allowRequantize);
        if (files.Checkpoint is QuantizedCheckpoint q)
            foreach (string line in q.Fallbacks) Console.Error.WriteLine($"fallback: {line}");

        long written = 0;
        var last = TimeSpan.Zero;
        GgufExport.Write(output, files, p =>
        {
            var now = clock.Elapsed;
            if (p.Index == p.Count - 1 || now - last >= ProgressInterval)
            {
                double mbPerSecond = written / 1e6 / Math.Max(now.TotalSeconds, 1e-3);
                Console.Error.WriteLine($"[{p.Index + 1}/{p.Count}] {p.Name} {p.Format} {ByteCount.Format(p.Bytes)} ({mbPerSecond:F1} MB/s)");
                last = now;
            }
            written += p.Bytes;
        });

        long size = new FileInfo(output).Length;
        double seconds = clock.Elapsed.TotalSeconds;
        // Bits per weight of the weights alone (llama.cpp's loader reports the same: tensor bytes over elements).
        Console.Error.WriteLine($"wrote {output}: {mix.Name}, {ByteCount.Format(size)}, {files.Manifest.BitsPerWeight:F2} bits per weight, {seconds:F1} s ({written / 1e6 / Math.Max(seconds, 1e-3):F1} MB/s)");
        return 0;
    }
}
