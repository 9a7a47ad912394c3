using LlmLab.Backends;
using System.Diagnostics;
using LlmLab.Formats;
using LlmLab.Measurement;
using LlmLab.Models;
using LlmLab.Notebooks.Magics;
using LlmLab.Tensors;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab quantize</c>: a Hugging Face folder or GGUF file → a GGUF file in a llama.cpp mix, written tensor by
/// tensor (<see cref="GgufExport"/>) with the bytes <c>--quant</c> loads for the same mix.
/// </summary>
internal static class QuantizeCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("quantize", "Writes a GGUF file llama.cpp loads, with the weights converted by a llama.cpp mix.")
    {
        Options =
        [
            CliOptions.RequiredModel,
            new MagicOption("type", $"The llama.cpp mix ({string.Join(", ", QuantizationMix.All.Where(m => m.BaseFormat.GgmlType() is not null).Select(m => m.Name))})") { IsRequired = true, ValueName = "TYPE" },
            new MagicOption("out", "GGUF file to write") { IsRequired = true, ValueName = "FILE.gguf" },
            new MagicOption("force", "Overwrite an existing --out") { IsFlag = true },
            new MagicOption("allow-requantize", "Convert tensors that are already quantized") { IsFlag = true },
        ],
        Details = """
            Metadata as convert_hf_to_gguf.py writes it (a GGUF input keeps its own); weights converted one tensor at a
            time, with the bytes --quant TYPE loads for the same mix. Progress on stderr.
            """,
    }, Run);

    /// <summary>Shortest gap between progress lines, so a model of many small tensors does not flood stderr.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private static int Run(MagicOptionValues o)
    {
        string model = ModelLocator.Resolve(o.GetString("model"));
        var mix = ModelLocator.ParseQuant(o.GetString("type"))!;
        if (mix.BaseFormat.GgmlType() is null)
            throw new UsageException($"--type {mix.Name}: GGUF has no {mix.BaseFormat} tensors (ggml has no FP8 type); load the model with --quant {mix.Name.ToLowerInvariant()} instead");
        string output = Path.GetFullPath(o.GetString("out")!);
        bool force = o.GetFlag("force"), allowRequantize = o.GetFlag("allow-requantize");
        if (File.Exists(output) && !force)
            throw new UsageException($"{output} exists; pass --force to overwrite it");
        if (Directory.Exists(output))
            throw new UsageException($"--out {output} is a folder; give a .gguf file path");

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
        return ExitCodes.Success;
    }
}
