namespace LlmLab.Backends;

/// <summary>
/// What a backend needs to build rotary tables: one inverse frequency per rotated pair (headDim/2 of them, already
/// scaled by the model's RoPE type), the head width, and which elements form a pair.
/// </summary>
/// <param name="InverseFrequencies">θ_i per pair, in fp32 as the reference implementation computes them.</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="Interleaved">Pairs are (2i, 2i+1) (GGUF llama, GPT-J style) instead of (i, i + headDim/2) (rotate-half).</param>
public sealed record RopeSpec(float[] InverseFrequencies, int HeadDim, bool Interleaved);
