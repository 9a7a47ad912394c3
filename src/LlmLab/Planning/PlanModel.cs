using LlmLab.Backends;
using LlmLab.Checkpoints;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// What the planner needs of a model, read without placing anything on a device: its config and its tensor manifest
/// (every weight's role, layer, storage format, shape and bytes) as it would be stored after <c>--quant</c>.
/// </summary>
/// <param name="Name">The model as named on the command line (a preset name or a path).</param>
/// <param name="Source">What was read: "preset", "checkpoint", "gguf" or "config.json".</param>
/// <param name="Config">Hyperparameters.</param>
/// <param name="Manifest">Every weight as it would be stored.</param>
/// <param name="Quantization">The mix applied, or null (as stored).</param>
public sealed record PlanModel(string Name, string Source, ModelConfig Config, TensorManifest Manifest, string? Quantization)
{
    /// <summary>
    /// Storage type assumed for a preset or a bare config.json whose config declares none: BF16, what published Llama,
    /// Mistral and Qwen checkpoints ship in and what <c>make-random</c> writes by default in the README's examples.
    /// </summary>
    public const TensorFormat DefaultStoredFormat = TensorFormat.BF16;

    /// <summary>How the KV cache is planned to be stored (<c>--kv-type</c>; default: each device's own type).</summary>
    public KvCacheType KvType { get; init; }

    /// <summary>
    /// A loaded model as the planner sees it: its folder or file name, its manifest as stored (after <c>--quant</c>) and the
    /// KV cache type its sessions use — what bench and <c>#!llm-load</c> set beside the measured ledgers.
    /// </summary>
    public static PlanModel Of(Transformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new PlanModel(Path.GetFileName(model.ModelPath), "loaded", model.Config, model.Manifest, model.Quantization?.Name) { KvType = model.KvType };
    }

    /// <summary>
    /// The model <paramref name="model"/> names: a <c>make-random</c> preset (e.g. <c>llama-3.1-8b</c>), a Hugging Face
    /// folder with weights, a .gguf file, or a bare config.json (a file, or a folder holding only one) — converted by
    /// <paramref name="quant"/> with the same rules <c>quantize</c> writes, so the bytes are exact.
    /// </summary>
    /// <exception cref="InvalidOptionException">Neither a preset nor an existing model path.</exception>
    public static PlanModel Resolve(string model, QuantizationMix? quant)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (ModelPreset.All.FirstOrDefault(p => p.Name.Equals(model, StringComparison.OrdinalIgnoreCase)) is { } preset)
        {
            var config = PresetConfig(preset);
            return new(preset.Name, "preset", config, Computed(config, quant, DefaultStoredFormat), quant?.Name);
        }
        string path = Path.GetFullPath(model);
        if (File.Exists(path) && path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return FromConfig(model, path, quant);
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, "config.json")) && !HasWeights(path))
            return FromConfig(model, Path.Combine(path, "config.json"), quant);
        if (Directory.Exists(path) || (File.Exists(path) && ModelFiles.IsGguf(path)))
        {
            using var files = ModelFiles.Open(path, quant);
            return new(model, ModelFiles.IsGguf(path) ? "gguf" : "checkpoint", files.Config, files.Manifest, quant?.Name);
        }
        throw new InvalidOptionException($"--model '{model}' is neither a preset ({string.Join(", ", ModelPreset.All.Select(p => p.Name))}) " +
            "nor an existing model folder, .gguf file or config.json");
    }

    /// <summary>
    /// The manifest a checkpoint of <paramref name="config"/> stored in <paramref name="stored"/> would have, converted by
    /// <paramref name="quant"/>: the tensors the config implies, each in the format the mix chooses (as
    /// <c>QuantizedCheckpoint</c> and <c>quantize</c> store it) and its bytes from the format's block geometry.
    /// </summary>
    public static TensorManifest Computed(ModelConfig config, QuantizationMix? quant, TensorFormat stored)
    {
        ArgumentNullException.ThrowIfNull(config);
        var names = ModelConfigReader.Architecture(config.ModelType).Names;
        var entries = TensorManifest.Expected(config, names).Select(t =>
        {
            var format = quant is null ? stored : quant.Choose(t, config).Format;
            return new ManifestEntry(t.Name, t.Role, t.Layer, format, t.Shape, format.ByteCount(t.Shape));
        });
        return new TensorManifest(entries.ToArray());
    }

    private static PlanModel FromConfig(string name, string configPath, QuantizationMix? quant)
    {
        var config = ModelConfigReader.Read(configPath);
        var stored = config.DeclaredDType switch
        {
            DType.F32 => TensorFormat.F32,
            DType.F16 => TensorFormat.F16,
            _ => DefaultStoredFormat,
        };
        return new(name, "config.json", config, Computed(config, quant, stored), quant?.Name);
    }

    private static bool HasWeights(string directory) =>
        Directory.EnumerateFiles(directory, "*.safetensors").Any() || File.Exists(Path.Combine(directory, "model.safetensors.index.json"));

    // The preset's config.json read by the one config reader (limits, RoPE, architecture quirks), from a scratch file.
    private static ModelConfig PresetConfig(ModelPreset preset)
    {
        string file = Path.Combine(Path.GetTempPath(), $"llmlab-plan-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, preset.ToConfigJson("bfloat16").ToJsonString());
            return ModelConfigReader.Read(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
