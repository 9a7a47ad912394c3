using LlmLab.Backends;
using LlmLab.Formats;

namespace LlmLab.Models;

/// <summary>One decoder layer's weights on a backend. Optional tensors are null when the architecture has none.</summary>
public sealed record LayerWeights(
    DeviceWeight AttentionNorm,  // [hidden]
    DeviceWeight Query,          // [heads·headDim, hidden]
    DeviceWeight Key,            // [kvHeads·headDim, hidden]
    DeviceWeight Value,          // [kvHeads·headDim, hidden]
    DeviceWeight Output,         // [hidden, heads·headDim]
    DeviceWeight? QueryBias,     // [heads·headDim]
    DeviceWeight? KeyBias,       // [kvHeads·headDim]
    DeviceWeight? ValueBias,     // [kvHeads·headDim]
    DeviceWeight? OutputBias,    // [hidden]
    DeviceWeight? QueryNorm,     // [headDim] (Qwen3)
    DeviceWeight? KeyNorm,       // [headDim] (Qwen3)
    DeviceWeight MlpNorm,        // [hidden]
    DeviceWeight Gate,           // [intermediate, hidden]
    DeviceWeight Up,             // [intermediate, hidden]
    DeviceWeight Down)           // [hidden, intermediate]
{
    /// <summary>The attention input's weights (q/k/v, their biases and the q/k norms) as the fused op takes them.</summary>
    public QkvWeights Qkv => new(Query, Key, Value)
    {
        QueryBias = QueryBias, KeyBias = KeyBias, ValueBias = ValueBias, QueryNorm = QueryNorm, KeyNorm = KeyNorm,
    };
}

/// <summary>
/// All weights of a model on a backend, loaded by name from a checkpoint with every shape checked
/// against the config first (so a mismatched file fails before anything is placed on a device).
/// </summary>
public sealed class ModelWeights : IDisposable
{
    private readonly List<DeviceWeight> _all;

    private ModelWeights(DeviceWeight embedding, LayerWeights[] layers, DeviceWeight finalNorm, DeviceWeight outputHead, List<DeviceWeight> all)
    {
        Embedding = embedding;
        Layers = layers;
        FinalNorm = finalNorm;
        OutputHead = outputHead;
        _all = all;
    }

    /// <summary>Token embeddings [vocab, hidden].</summary>
    public DeviceWeight Embedding { get; }
    /// <summary>Decoder layers.</summary>
    public IReadOnlyList<LayerWeights> Layers { get; }
    /// <summary>Final RMSNorm [hidden].</summary>
    public DeviceWeight FinalNorm { get; }
    /// <summary>Output head [vocab, hidden] (the embedding table when tied; a copy of it when the head is on another device).</summary>
    public DeviceWeight OutputHead { get; }
    /// <summary>Bytes of distinct weights as the backends hold them (a tied head copied to another device counts twice).</summary>
    public long Bytes => _all.Sum(w => w.Bytes);

    /// <summary>Validates, then places every weight on <paramref name="backend"/>.</summary>
    public static ModelWeights Load(ModelConfig config, TensorNames names, ICheckpoint checkpoint, IBackend backend) =>
        Load(config, names, checkpoint, _ => backend);

    /// <summary>
    /// Validates, then places each weight on the backend <paramref name="backendFor"/> gives for its part of the model. A
    /// tied head whose part is on another backend than the embedding gets its own copy of the table there.
    /// </summary>
    internal static ModelWeights Load(ModelConfig config, TensorNames names, ICheckpoint checkpoint, Func<ModelPart, IBackend> backendFor)
    {
        TensorManifest.Build(config, names, checkpoint);
        var all = new List<DeviceWeight>();
        try
        {
            IBackend backend = backendFor(ModelPart.Embedding);
            DeviceWeight Get(string name) { var w = backend.LoadWeight(checkpoint.Tensor(name)); all.Add(w); return w; }
            DeviceWeight? Optional(bool present, string name) => present ? Get(name) : null;
            // Matrices that share an input go back to back where the backend can place them so (one product in prefill).
            IReadOnlyList<DeviceWeight> Group(params string[] group)
            {
                if (backend is not IWeightGroups groups) return group.Select(Get).ToArray();
                var loaded = groups.LoadWeightGroup(group.Select(checkpoint.Tensor).ToArray());
                all.AddRange(loaded);
                return loaded;
            }
            var embeddingBackend = backend;
            // A table the head does not share is only gathered from: a backend may keep it as it lies.
            bool headShares = config.TieWordEmbeddings && ReferenceEquals(backendFor(ModelPart.Output), embeddingBackend);
            DeviceWeight embedding;
            if (!headShares && backend is IGatherTables tables) all.Add(embedding = tables.LoadGatherTable(checkpoint.Tensor(names.Embedding)));
            else embedding = Get(names.Embedding);
            var layers = new LayerWeights[config.NumLayers];
            for (int l = 0; l < config.NumLayers; l++)
            {
                backend = backendFor(ModelPart.OfLayer(l));
                string L(string pattern) => TensorNames.Layer(pattern, l);
                var norm = Get(L(names.AttentionNorm));
                var qkv = Group(L(names.Query), L(names.Key), L(names.Value));
                var output = Get(L(names.Output));
                var (queryBias, keyBias, valueBias) = (Optional(config.QkvBias, L(names.QueryBias)), Optional(config.QkvBias, L(names.KeyBias)), Optional(config.QkvBias, L(names.ValueBias)));
                var outputBias = Optional(config.OutputBias, L(names.OutputBias));
                var (queryNorm, keyNorm) = (Optional(config.QkNorm, L(names.QueryNorm)), Optional(config.QkNorm, L(names.KeyNorm)));
                var mlpNorm = Get(L(names.MlpNorm));
                var gateUp = Group(L(names.Gate), L(names.Up));
                layers[l] = new LayerWeights(norm, qkv[0], qkv[1], qkv[2], output, queryBias, keyBias, valueBias, outputBias,
                    queryNorm, keyNorm, mlpNorm, gateUp[0], gateUp[1], Get(L(names.Down)));
            }
            backend = backendFor(ModelPart.Output);
            var finalNorm = Get(names.FinalNorm);
            var head = !config.TieWordEmbeddings ? Get(names.OutputHead)
                : ReferenceEquals(backend, embeddingBackend) ? embedding
                : Get(names.Embedding);
            return new ModelWeights(embedding, layers, finalNorm, head, all);
        }
        catch
        {
            foreach (var w in all) w.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var w in _all) w.Dispose();
        _all.Clear();
    }
}

/// <summary>A part of the decoder a device map places: the embedding lookup, one layer, or the output (final norm and head).</summary>
/// <param name="Layer">The decoder layer, or null for the embedding and the output.</param>
/// <param name="IsOutput">The final norm and the output head.</param>
internal readonly record struct ModelPart(int? Layer, bool IsOutput)
{
    /// <summary>The token embedding table.</summary>
    public static ModelPart Embedding => new(null, false);
    /// <summary>The final norm and the output head.</summary>
    public static ModelPart Output => new(null, true);
    /// <summary>Decoder layer <paramref name="layer"/>.</summary>
    public static ModelPart OfLayer(int layer) => new(layer, false);
}
