namespace LlmLab.Models.Architectures;

/// <summary>
/// Tensor names of GGUF files (llama.cpp's <c>LLM_TENSOR_NAMES</c>, the same for its llama, qwen2 and qwen3
/// architectures). Shapes read outermost first are those of the Hugging Face tensors (token_embd is
/// [vocab, hidden]); only llama's q/k rows are reordered (see <see cref="RopeConfig.Interleaved"/>).
/// </summary>
public static class GgufTensorNames
{
    /// <summary>
    /// Per-pair RoPE frequency divisors [head_dim/2] (F32), written by convert_hf_to_gguf.py for llama3 scaling
    /// in place of rope.scaling.* keys.
    /// </summary>
    public const string RopeFrequencies = "rope_freqs.weight";

    /// <summary>The decoder's tensors; <c>{0}</c> is the layer index.</summary>
    public static TensorNames Decoder { get; } = new()
    {
        Embedding = "token_embd.weight",
        FinalNorm = "output_norm.weight",
        OutputHead = "output.weight",
        AttentionNorm = "blk.{0}.attn_norm.weight",
        Query = "blk.{0}.attn_q.weight",
        Key = "blk.{0}.attn_k.weight",
        Value = "blk.{0}.attn_v.weight",
        Output = "blk.{0}.attn_output.weight",
        QueryBias = "blk.{0}.attn_q.bias",
        KeyBias = "blk.{0}.attn_k.bias",
        ValueBias = "blk.{0}.attn_v.bias",
        OutputBias = "blk.{0}.attn_output.bias",
        QueryNorm = "blk.{0}.attn_q_norm.weight",
        KeyNorm = "blk.{0}.attn_k_norm.weight",
        MlpNorm = "blk.{0}.ffn_norm.weight",
        Gate = "blk.{0}.ffn_gate.weight",
        Up = "blk.{0}.ffn_up.weight",
        Down = "blk.{0}.ffn_down.weight",
    };
}
