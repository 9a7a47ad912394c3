using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// Architecture-neutral hyperparameters of a decoder-only transformer, read from a Hugging Face
/// <c>config.json</c> by <see cref="ModelConfigReader"/>. Per-architecture tensor names and quirks
/// live in <see cref="IArchitecture"/> implementations (one file each).
/// </summary>
public sealed record ModelConfig
{
    /// <summary><c>model_type</c>, e.g. "llama", "qwen2".</summary>
    public required string ModelType { get; init; }
    /// <summary>Tokens in the embedding table.</summary>
    public required int VocabSize { get; init; }
    /// <summary>Model width (d_model).</summary>
    public required int HiddenSize { get; init; }
    /// <summary>Width of the SwiGLU MLP's hidden layer.</summary>
    public required int IntermediateSize { get; init; }
    /// <summary>Decoder layers.</summary>
    public required int NumLayers { get; init; }
    /// <summary>Query heads.</summary>
    public required int NumHeads { get; init; }
    /// <summary>Key/value heads (GQA when fewer than <see cref="NumHeads"/>).</summary>
    public required int NumKvHeads { get; init; }
    /// <summary>Width of one head.</summary>
    public required int HeadDim { get; init; }
    /// <summary>RMSNorm epsilon.</summary>
    public required float RmsNormEps { get; init; }
    /// <summary>Rotary embedding settings.</summary>
    public required RopeConfig Rope { get; init; }
    /// <summary>Longest context the model was trained for.</summary>
    public required int MaxPositionEmbeddings { get; init; }
    /// <summary>Output head shares the embedding table.</summary>
    public required bool TieWordEmbeddings { get; init; }
    /// <summary>q/k/v projections carry biases.</summary>
    public required bool QkvBias { get; init; }
    /// <summary>Output projection carries a bias.</summary>
    public bool OutputBias { get; init; }
    /// <summary>RMSNorm on each query/key head before RoPE (Qwen3).</summary>
    public bool QkNorm { get; init; }
    /// <summary>Sliding-window attention span in tokens (Mistral), null for full attention.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Beginning-of-sequence token id, if the config names one.</summary>
    public int? BosTokenId { get; init; }
    /// <summary>End-of-sequence token ids from config.json (generation_config.json may add more).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary>Declared storage dtype (<c>torch_dtype</c> / <c>dtype</c>), if any.</summary>
    public DType? DeclaredDType { get; init; }

    /// <summary>Query width: heads × head_dim.</summary>
    public int QueryDim => NumHeads * HeadDim;
    /// <summary>Key/value width: kv heads × head_dim.</summary>
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>What a backend needs of this config to size buffers and plan memory.</summary>
    public Backends.DecoderShape Shape
    {
        get
        {
            long vectors = (long)NumLayers * 2 * HiddenSize + HiddenSize
                + (QkvBias ? (long)NumLayers * (QueryDim + 2 * KvDim) : 0)
                + (OutputBias ? (long)NumLayers * HiddenSize : 0)
                + (QkNorm ? (long)NumLayers * 2 * HeadDim : 0);
            return new(NumLayers, HiddenSize, IntermediateSize, NumHeads, NumKvHeads, HeadDim, VocabSize, ParameterCount - vectors, vectors);
        }
    }

    /// <summary>KV-cache bytes per token for all layers at the given element size (K and V).</summary>
    public long KvCacheBytesPerToken(int bytesPerElement) => 2L * NumLayers * KvDim * bytesPerElement;

    /// <summary>Parameter count implied by the config (embeddings counted once when tied).</summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, perLayer = h * QueryDim + 2 * h * KvDim + QueryDim * h + 3 * h * IntermediateSize + 2 * h;
            if (QkvBias) perLayer += QueryDim + 2 * KvDim;
            if (QkNorm) perLayer += 2 * HeadDim;
            long total = NumLayers * perLayer + (long)VocabSize * h + h;
            return TieWordEmbeddings ? total : total + (long)VocabSize * h;
        }
    }
}
