using LlmLab.Formats;

namespace LlmLab.Models;

/// <summary>
/// One model family: which <c>model_type</c> it reads, its quirks when building a
/// <see cref="ModelConfig"/>, and its tensor names. Implementations are one small file each in
/// <c>Models/Architectures/</c>.
/// </summary>
public interface IArchitecture
{
    /// <summary>The <c>model_type</c> of config.json this family reads.</summary>
    string ModelType { get; }

    /// <summary>Applies the family's quirks to the fields common to all Llama-like configs.</summary>
    ModelConfig Configure(ModelConfig common, JsonConfigView config);

    /// <summary>Tensor names of this family.</summary>
    TensorNames Names { get; }
}

/// <summary>Read-only access to config.json fields for architecture files.</summary>
public sealed class JsonConfigView
{
    private readonly JsonField _fields;
    internal JsonConfigView(JsonField fields) => _fields = fields;

    /// <summary>A boolean field, or null when absent.</summary>
    public bool? Bool(string name) => _fields.OptionalBool(name);

    /// <summary>A bounded integer field, or null when absent.</summary>
    public int? Int(string name, int min, int max) => _fields.OptionalInt(name, min, max);

    /// <summary>An error naming the file and field.</summary>
    public InvalidConfigException Error(string field, string problem) => (InvalidConfigException)_fields.Error(field, problem);
}

/// <summary>
/// Hugging Face tensor names of a Llama-style decoder; <c>{0}</c> is the layer index.
/// All four supported families share these; a new family overrides what differs.
/// </summary>
public sealed record TensorNames
{
    /// <summary>Token embedding table [vocab, hidden].</summary>
    public string Embedding { get; init; } = "model.embed_tokens.weight";
    /// <summary>Final RMSNorm weight [hidden].</summary>
    public string FinalNorm { get; init; } = "model.norm.weight";
    /// <summary>Output head [vocab, hidden] (absent when tied).</summary>
    public string OutputHead { get; init; } = "lm_head.weight";
    /// <summary>Pre-attention RMSNorm.</summary>
    public string AttentionNorm { get; init; } = "model.layers.{0}.input_layernorm.weight";
    /// <summary>Query projection [heads·head_dim, hidden].</summary>
    public string Query { get; init; } = "model.layers.{0}.self_attn.q_proj.weight";
    /// <summary>Key projection [kv_heads·head_dim, hidden].</summary>
    public string Key { get; init; } = "model.layers.{0}.self_attn.k_proj.weight";
    /// <summary>Value projection [kv_heads·head_dim, hidden].</summary>
    public string Value { get; init; } = "model.layers.{0}.self_attn.v_proj.weight";
    /// <summary>Output projection [hidden, heads·head_dim].</summary>
    public string Output { get; init; } = "model.layers.{0}.self_attn.o_proj.weight";
    /// <summary>Query bias.</summary>
    public string QueryBias { get; init; } = "model.layers.{0}.self_attn.q_proj.bias";
    /// <summary>Key bias.</summary>
    public string KeyBias { get; init; } = "model.layers.{0}.self_attn.k_proj.bias";
    /// <summary>Value bias.</summary>
    public string ValueBias { get; init; } = "model.layers.{0}.self_attn.v_proj.bias";
    /// <summary>Output-projection bias.</summary>
    public string OutputBias { get; init; } = "model.layers.{0}.self_attn.o_proj.bias";
    /// <summary>Per-head query RMSNorm [head_dim].</summary>
    public string QueryNorm { get; init; } = "model.layers.{0}.self_attn.q_norm.weight";
    /// <summary>Per-head key RMSNorm [head_dim].</summary>
    public string KeyNorm { get; init; } = "model.layers.{0}.self_attn.k_norm.weight";
    /// <summary>Pre-MLP RMSNorm.</summary>
    public string MlpNorm { get; init; } = "model.layers.{0}.post_attention_layernorm.weight";
    /// <summary>SwiGLU gate [intermediate, hidden].</summary>
    public string Gate { get; init; } = "model.layers.{0}.mlp.gate_proj.weight";
    /// <summary>SwiGLU up [intermediate, hidden].</summary>
    public string Up { get; init; } = "model.layers.{0}.mlp.up_proj.weight";
    /// <summary>SwiGLU down [hidden, intermediate].</summary>
    public string Down { get; init; } = "model.layers.{0}.mlp.down_proj.weight";

    /// <summary>The name for layer <paramref name="layer"/>.</summary>
    public static string Layer(string pattern, int layer) => string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, layer);
}
