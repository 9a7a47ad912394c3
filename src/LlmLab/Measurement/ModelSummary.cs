using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Measurement;

/// <summary>Bytes and parameters of one group of tensors (embedding, attention, mlp, norms, output head).</summary>
public sealed record TensorGroup(string Group, int Tensors, long Parameters, long Bytes);

/// <summary>
/// What <c>llmlab inspect</c> reports: architecture, sizes, dtypes, bytes by tensor group and KV-cache
/// bytes per token — after validating everything loading would validate.
/// </summary>
public sealed record ModelSummary(
    string Directory, string ModelType, long ParameterCount, long WeightBytes, int Files,
    IReadOnlyDictionary<string, long> BytesByDType, IReadOnlyList<TensorGroup> Groups,
    long KvCacheBytesPerToken16, long KvCacheBytesPerToken32, ModelConfig Config)
{
    /// <summary>Validates the model folder and summarises it without placing weights anywhere.</summary>
    public static ModelSummary Inspect(string path)
    {
        var config = ModelConfigReader.Read(path);
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        var names = ModelConfigReader.Architecture(config.ModelType).Names;
        ModelWeights.Validate(config, names, checkpoint);
        var used = ModelWeights.ExpectedTensors(config, names).Select(t => t.Name).ToArray();
        var entries = used.Select(checkpoint.Entry).ToArray();
        var groups = entries.GroupBy(e => GroupOf(e.Name, names))
            .Select(g => new TensorGroup(g.Key, g.Count(), g.Sum(e => e.ByteLength / e.DType.SizeOf()), g.Sum(e => e.ByteLength)))
            .OrderByDescending(g => g.Bytes).ToArray();
        var byDType = entries.GroupBy(e => e.DType.SafetensorsName()).ToDictionary(g => g.Key, g => g.Sum(e => e.ByteLength));
        return new ModelSummary(checkpoint.Directory, config.ModelType, groups.Sum(g => g.Parameters), groups.Sum(g => g.Bytes), checkpoint.Files.Count,
            byDType, groups, config.KvCacheBytesPerToken(2), config.KvCacheBytesPerToken(4), config);
    }

    private static string GroupOf(string name, TensorNames n)
    {
        if (name == n.Embedding) return "embedding";
        if (name == n.OutputHead) return "output head";
        if (name.Contains("norm", StringComparison.Ordinal)) return "norms";
        if (name.Contains(".self_attn.", StringComparison.Ordinal)) return "attention";
        if (name.Contains(".mlp.", StringComparison.Ordinal)) return "mlp";
        return "other";
    }

    /// <summary>The summary as text lines.</summary>
    public string Describe()
    {
        var c = Config;
        var lines = new List<string>
        {
            $"{Directory}",
            $"architecture {ModelType}: {c.NumLayers} layers, hidden {c.HiddenSize}, MLP {c.IntermediateSize}, {c.NumHeads} heads / {c.NumKvHeads} KV heads × {c.HeadDim}, vocab {c.VocabSize}, context {c.MaxPositionEmbeddings}",
            $"RoPE {c.Rope.Type} θ={c.Rope.Theta}{(c.Rope.Type == "llama3" ? $" factor {c.Rope.Factor}" : "")}; tied head {c.TieWordEmbeddings}; qkv bias {c.QkvBias}; q/k norm {c.QkNorm}",
            $"parameters {ParameterCount:N0} ({ParameterCount / 1e9:F3} B); weights {WeightBytes / 1048576.0:F1} MiB in {Files} file(s); dtypes {string.Join(", ", BytesByDType.Select(kv => $"{kv.Key} {kv.Value / 1048576.0:F1} MiB"))}",
        };
        foreach (var g in Groups) lines.Add($"  {g.Group,-12} {g.Tensors,5} tensors {g.Parameters,15:N0} params {g.Bytes / 1048576.0,12:F1} MiB");
        lines.Add($"KV cache per token: {KvCacheBytesPerToken16:N0} bytes at 16-bit, {KvCacheBytesPerToken32:N0} bytes at fp32 ({KvCacheBytesPerToken16 * 4096 / 1048576.0:F1} MiB for 4k tokens at 16-bit)");
        return string.Join(Environment.NewLine, lines);
    }
}
