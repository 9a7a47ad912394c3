using LlmLab.Checkpoints;
using LlmLab.Tensors;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab make-random</c>: a random-weight HF checkpoint of a published model's shapes.</summary>
internal static class MakeRandomCommand
{
    public static string Usage => $"""
        make-random --preset NAME --dtype bf16|f16|f32 --out DIR [--seed S]
          Writes config.json, generation_config.json and sharded safetensors (+ index) with random weights.
          Presets: {string.Join(", ", ModelPreset.All.Select(p => p.Name))}
        """;

    public static int Run(Arguments a)
    {
        var preset = ModelPreset.Get(a.Required("preset"));
        var dtype = ModelLocator.ParseDType(a.Required("dtype")) ?? DType.BF16;
        string output = a.Required("out");
        int seed = a.Int("seed") ?? 0;
        a.EnsureAllUsed();
        var progress = new Progress<double>(f => Console.Error.Write($"\rwriting {preset.Name}: {f:P0}   "));
        var result = RandomCheckpoint.Write(preset, dtype, output, seed, progress);
        Console.Error.WriteLine();
        Console.WriteLine($"{result.Directory}: {result.Preset} {result.DType}, {result.ParameterCount:N0} parameters, {result.Bytes / 1e9:F2} GB in {result.Shards} file(s), {result.Seconds:F1} s");
        return 0;
    }
}
