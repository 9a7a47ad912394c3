using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Formats;
using LlmLab.Models;

namespace LlmLab.Measurement;

/// <summary>Bytes, parameters and storage formats of one group of tensors (embedding, attention, mlp, norms, output head).</summary>
public sealed record TensorGroup(string Group, int Tensors, long Parameters, long Bytes, IReadOnlyDictionary<string, long> BytesByFormat)
{
    /// <summary>Average bits per weight of the group as stored.</summary>
    public double BitsPerWeight => Parameters == 0 ? 0 : 8.0 * Bytes / Parameters;

    /// <summary>The group's formats, largest first, e.g. "Q4_K 81% + Q6_K 19%".</summary>
    public string FormatsText => string.Join(" + ", BytesByFormat.OrderByDescending(kv => kv.Value)
        .Select(kv => BytesByFormat.Count == 1 ? kv.Key : $"{kv.Key} {100.0 * kv.Value / Math.Max(1, Bytes):F0}%"));
}

/// <summary>
/// What <c>llmlab inspect</c> reports: architecture, sizes, storage formats and bits per weight by tensor group and
/// KV-cache bytes per token — from the tensor manifest, after validating everything loading would validate.
/// </summary>
/// <param name="Directory">The model folder or GGUF file.</param>
/// <param name="ModelType">Architecture.</param>
/// <param name="ParameterCount">Parameters of all weights.</param>
/// <param name="WeightBytes">Bytes of all weights as stored.</param>
/// <param name="Files">Files holding the weights.</param>
/// <param name="BytesByDType">Bytes by storage format name.</param>
/// <param name="Groups">Tensor groups, largest first.</param>
/// <param name="KvCacheBytesPerToken16">KV-cache bytes per token at 16 bits.</param>
/// <param name="KvCacheBytesPerToken32">KV-cache bytes per token at fp32.</param>
/// <param name="Config">Hyperparameters.</param>
/// <param name="Quantization">The load-time quantization mix (<c>--quant</c>), or null for the stored formats.</param>
public sealed record ModelSummary(
    string Directory, string ModelType, long ParameterCount, long WeightBytes, int Files,
    IReadOnlyDictionary<string, long> BytesByDType, IReadOnlyList<TensorGroup> Groups,
    long KvCacheBytesPerToken16, long KvCacheBytesPerToken32, ModelConfig Config, string? Quantization = null)
{
    /// <summary>Average bits per weight over all weights.</summary>
    public double BitsPerWeight => ParameterCount == 0 ? 0 : 8.0 * WeightBytes / ParameterCount;

    /// <summary>Validates the model (folder or .gguf) and summarises it without placing weights anywhere.</summary>
    public static ModelSummary Inspect(string path, QuantizationMix? quant = null)
    {
        using var files = ModelFiles.Open(path, quant);
        return Of(files.Path, files.Config, files.Manifest, files.Checkpoint, quant);
    }

    /// <summary>The summary of a loaded model (its manifest as loaded, after any <c>--quant</c>).</summary>
    public static ModelSummary Of(Transformer model) => Of(model.ModelPath, model.Config, model.Manifest, model.Files.Checkpoint, model.Quantization);

    private static ModelSummary Of(string path, ModelConfig config, TensorManifest manifest, ICheckpoint? checkpoint, QuantizationMix? quant)
    {
        var groups = manifest.Weights.GroupBy(e => e.Group)
            .Select(g => new TensorGroup(g.Key, g.Count(), g.Sum(e => e.Elements), g.Sum(e => e.Bytes), ByFormat(g)))
            .OrderByDescending(g => g.Bytes).ToArray();
        int files = checkpoint is null ? 1 : manifest.Weights.Select(w => checkpoint.Describe(w.Name).File).Distinct().Count();
        return new ModelSummary(path, config.ModelType, manifest.Parameters, manifest.WeightBytes, files,
            ByFormat(manifest.Weights), groups, config.KvCacheBytesPerToken(2), config.KvCacheBytesPerToken(4), config, quant?.Name);
    }

    private static Dictionary<string, long> ByFormat(IEnumerable<ManifestEntry> entries) =>
        entries.GroupBy(e => e.Format.Name()).ToDictionary(g => g.Key, g => g.Sum(e => e.Bytes));

    /// <summary>The summary as text lines.</summary>
    public string Describe()
    {
        var c = Config;
        var lines = new List<string>
        {
            $"{Directory}",
            $"architecture {ModelType}: {c.NumLayers} layers, hidden {c.HiddenSize}, MLP {c.IntermediateSize}, {c.NumHeads} heads / {c.NumKvHeads} KV heads × {c.HeadDim}, vocab {c.VocabSize}, context {c.MaxPositionEmbeddings}",
            $"RoPE {c.Rope.Type} θ={c.Rope.Theta}{(c.Rope.Type == "llama3" ? $" factor {c.Rope.Factor}" : "")}; tied head {c.TieWordEmbeddings}; qkv bias {c.QkvBias}; q/k norm {c.QkNorm}",
            $"parameters {ParameterCount:N0} ({ParameterCount / 1e9:F3} B); weights {ByteCount.Format(WeightBytes)} in {Files} file(s), {BitsPerWeight:F2} bits/weight{(Quantization is null ? "" : $" after --quant {Quantization}")}; formats {string.Join(", ", BytesByDType.Select(kv => $"{kv.Key} {ByteCount.Format(kv.Value)}"))}",
        };
        foreach (var g in Groups) lines.Add($"  {g.Group,-12} {g.Tensors,5} tensors {g.Parameters,15:N0} params {ByteCount.Format(g.Bytes),12} {g.BitsPerWeight,6:F2} bpw  {g.FormatsText}");
        lines.Add($"KV cache per token: {KvCacheBytesPerToken16:N0} bytes at 16-bit, {KvCacheBytesPerToken32:N0} bytes at fp32 ({ByteCount.Format(KvCacheBytesPerToken16 * 4096)} for 4k tokens at 16-bit)");
        return string.Join(Environment.NewLine, lines);
    }
}
