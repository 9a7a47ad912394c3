using LlmLab.Checkpoints;
using LlmLab.Notebooks.Magics;
using LlmLab.Tensors;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab make-random</c>: a random-weight HF checkpoint of a published model's shapes.</summary>
internal static class MakeRandomCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("make-random", "Writes a Hugging Face checkpoint of a published model's shapes with random weights, for benchmarks without downloads.")
    {
        Options =
        [
            new MagicOption("preset", "The model whose shapes are used") { IsRequired = true, Choices = ModelPreset.All.Select(p => p.Name).ToArray(), ValueName = "NAME" },
            new MagicOption("dtype", "Stored weight type") { IsRequired = true, Choices = ["bf16", "f16", "f32"], ValueName = "TYPE" },
            new MagicOption("out", "Folder to write") { IsRequired = true, ValueName = "DIR" },
            new MagicOption("seed", "Seed of the weights (the same seed writes the same files)") { Kind = MagicValueKind.Integer, DefaultValue = "0", ValueName = "S" },
            new MagicOption("max-shard-gb", "Largest safetensors file; a model above it is split into shards with model.safetensors.index.json") { Kind = MagicValueKind.Number, DefaultValue = "5", Minimum = 0, MinimumIsExclusive = true, Maximum = 1000, ValueName = "GB" },
            new MagicOption("force", "Replace the checkpoint files of an existing --out folder") { IsFlag = true },
        ],
        Details = """
            Writes config.json, generation_config.json, a byte-level BPE tokenizer.json with exactly the preset's vocabulary
            size, and the weights: one model.safetensors up to --max-shard-gb (5 GB, the Hub's default max_shard_size),
            else shards model-0000i-of-0000n.safetensors with model.safetensors.index.json.
            """,
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        var preset = ModelPreset.Get(o.GetString("preset")!);
        var dtype = ModelLocator.ParseDType(o.GetString("dtype")) ?? DType.BF16;
        string output = o.GetString("out")!;
        int seed = o.GetInt32("seed")!.Value;
        long maxShardBytes = (long)(o.GetDouble("max-shard-gb")!.Value * 1e9);
        if (File.Exists(output)) throw new UsageException($"--out {output} is a file; give a folder");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !o.GetFlag("force"))
            throw new UsageException($"--out {output} exists and is not empty; pass --force to replace its checkpoint files, or give a new folder");
        var progress = new Progress<double>(f => Console.Error.Write($"\rwriting {preset.Name}: {f:P0}   "));
        var result = RandomCheckpoint.Write(preset, dtype, output, seed, progress, maxShardBytes);
        Console.Error.WriteLine();
        Console.WriteLine($"{result.Directory}: {result.Preset} {result.DType}, {result.ParameterCount:N0} parameters, {result.Bytes / 1e9:F2} GB in {result.Shards} file(s), {result.Seconds:F1} s");
        return ExitCodes.Success;
    }
}
