using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>What a tensor does in a Llama-family decoder (names differ between HF and GGUF; roles do not).</summary>
public enum TensorRole
{
    /// <summary>Token embedding table [vocab, hidden].</summary>
    Embedding,
    /// <summary>Pre-attention RMSNorm [hidden].</summary>
    AttentionNorm,
    /// <summary>Query projection [heads·headDim, hidden].</summary>
    Query,
    /// <summary>Key projection [kvHeads·headDim, hidden].</summary>
    Key,
    /// <summary>Value projection [kvHeads·headDim, hidden].</summary>
    Value,
    /// <summary>Attention output projection [hidden, heads·headDim].</summary>
    AttentionOutput,
    /// <summary>Query bias.</summary>
    QueryBias,
    /// <summary>Key bias.</summary>
    KeyBias,
    /// <summary>Value bias.</summary>
    ValueBias,
    /// <summary>Output-projection bias.</summary>
    OutputBias,
    /// <summary>Per-head query RMSNorm (Qwen3).</summary>
    QueryNorm,
    /// <summary>Per-head key RMSNorm (Qwen3).</summary>
    KeyNorm,
    /// <summary>Pre-MLP RMSNorm.</summary>
    MlpNorm,
    /// <summary>SwiGLU gate [intermediate, hidden].</summary>
    Gate,
    /// <summary>SwiGLU up [intermediate, hidden].</summary>
    Up,
    /// <summary>SwiGLU down [hidden, intermediate].</summary>
    Down,
    /// <summary>Final RMSNorm [hidden].</summary>
    FinalNorm,
    /// <summary>Output head [vocab, hidden] (absent when tied to the embedding).</summary>
    OutputHead,
}

/// <summary>A tensor the config implies: its checkpoint name, shape (outermost first), role and layer (null outside layers).</summary>
public sealed record ExpectedTensor(string Name, long[] Shape, TensorRole Role, int? Layer);

/// <summary>One weight of a model as it is stored: role, layer, storage format, shape and bytes.</summary>
public sealed record ManifestEntry(string Name, TensorRole Role, int? Layer, TensorFormat Format, long[] Shape, long Bytes)
{
    /// <summary>Elements.</summary>
    public long Elements => Shape.Aggregate(1L, (a, d) => checked(a * d));

    /// <summary>The group inspect and memory plans report it in: embedding, attention, mlp, norms, output head.</summary>
    public string Group => Role switch
    {
        TensorRole.Embedding => "embedding",
        TensorRole.OutputHead => "output head",
        TensorRole.AttentionNorm or TensorRole.MlpNorm or TensorRole.FinalNorm or TensorRole.QueryNorm or TensorRole.KeyNorm => "norms",
        TensorRole.Gate or TensorRole.Up or TensorRole.Down => "mlp",
        _ => "attention",
    };
}

/// <summary>
/// Every weight a model will hold, computed from the config and the checkpoint before anything is allocated: presence,
/// storage format and shape checked against the config (so a mismatched file fails naming the tensor), bytes from each
/// format's block geometry. Inspect, loading and memory plans read it.
/// </summary>
public sealed record TensorManifest(IReadOnlyList<ManifestEntry> Weights)
{
    /// <summary>Bytes of all weights as stored.</summary>
    public long WeightBytes => Weights.Sum(w => w.Bytes);

    /// <summary>Parameters (elements) of all weights.</summary>
    public long Parameters => Weights.Sum(w => w.Elements);

    /// <summary>Average bits per weight over all weights.</summary>
    public double BitsPerWeight => Parameters == 0 ? 0 : 8.0 * WeightBytes / Parameters;

    /// <summary>The entry of <paramref name="name"/>, or null.</summary>
    public ManifestEntry? Find(string name) => Weights.FirstOrDefault(w => w.Name == name);

    /// <summary>Every tensor <paramref name="c"/> implies, with checkpoint names from <paramref name="n"/>, in load order.</summary>
    public static IReadOnlyList<ExpectedTensor> Expected(ModelConfig c, TensorNames n)
    {
        var list = new List<ExpectedTensor> { new(n.Embedding, [c.VocabSize, c.HiddenSize], TensorRole.Embedding, null) };
        for (int l = 0; l < c.NumLayers; l++)
        {
            void Add(string pattern, long[] shape, TensorRole role) => list.Add(new(TensorNames.Layer(pattern, l), shape, role, l));
            Add(n.AttentionNorm, [c.HiddenSize], TensorRole.AttentionNorm);
            Add(n.Query, [c.QueryDim, c.HiddenSize], TensorRole.Query);
            Add(n.Key, [c.KvDim, c.HiddenSize], TensorRole.Key);
            Add(n.Value, [c.KvDim, c.HiddenSize], TensorRole.Value);
            Add(n.Output, [c.HiddenSize, c.QueryDim], TensorRole.AttentionOutput);
            if (c.QkvBias)
            {
                Add(n.QueryBias, [c.QueryDim], TensorRole.QueryBias);
                Add(n.KeyBias, [c.KvDim], TensorRole.KeyBias);
                Add(n.ValueBias, [c.KvDim], TensorRole.ValueBias);
            }
            if (c.OutputBias) Add(n.OutputBias, [c.HiddenSize], TensorRole.OutputBias);
            if (c.QkNorm)
            {
                Add(n.QueryNorm, [c.HeadDim], TensorRole.QueryNorm);
                Add(n.KeyNorm, [c.HeadDim], TensorRole.KeyNorm);
            }
            Add(n.MlpNorm, [c.HiddenSize], TensorRole.MlpNorm);
            Add(n.Gate, [c.IntermediateSize, c.HiddenSize], TensorRole.Gate);
            Add(n.Up, [c.IntermediateSize, c.HiddenSize], TensorRole.Up);
            Add(n.Down, [c.HiddenSize, c.IntermediateSize], TensorRole.Down);
        }
        list.Add(new(n.FinalNorm, [c.HiddenSize], TensorRole.FinalNorm, null));
        if (!c.TieWordEmbeddings) list.Add(new(n.OutputHead, [c.VocabSize, c.HiddenSize], TensorRole.OutputHead, null));
        return list;
    }

    /// <summary>
    /// Checks presence, storage format and shape of every tensor the config implies and lists them with their bytes;
    /// throws naming the file and the first mismatching tensor.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">A tensor is missing, has another shape, or a format that is not a weight format.</exception>
    public static TensorManifest Build(ModelConfig config, TensorNames names, ICheckpoint checkpoint)
    {
        var entries = new List<ManifestEntry>();
        foreach (var t in Expected(config, names))
        {
            if (!checkpoint.Contains(t.Name))
            {
                string hint = t.Role == TensorRole.OutputHead ? " (set tie_word_embeddings if the head shares the embedding table)" : "";
                throw new InvalidCheckpointException($"{checkpoint.Path}: tensor '{t.Name}' is missing{hint}; the checkpoint does not match {ConfigSource(checkpoint)}");
            }
            var d = checkpoint.Describe(t.Name);
            if (!d.Format.IsWeightFormat())
                throw new InvalidCheckpointException($"{d.File}: tensor '{t.Name}' is {d.Format}; weights must be F32, F16, BF16, FP8 or a ggml block type");
            if (!d.Shape.SequenceEqual(t.Shape))
                throw new InvalidCheckpointException($"{d.File}: tensor '{t.Name}' has shape {d.ShapeText} but {ConfigSource(checkpoint)} implies [{string.Join(", ", t.Shape)}]; config and weights do not match");
            entries.Add(new ManifestEntry(t.Name, t.Role, t.Layer, d.Format, d.Shape, d.Bytes));
        }
        return new TensorManifest(entries);
    }

    private static string ConfigSource(ICheckpoint checkpoint) =>
        checkpoint.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? "its GGUF metadata" : "config.json";
}
