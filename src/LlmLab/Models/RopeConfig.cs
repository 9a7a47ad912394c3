namespace LlmLab.Models;

/// <summary>
/// Rotary position embedding settings. <c>default</c> is the original RoPE; <c>llama3</c> rescales
/// low frequencies for long context (Llama 3.1 paper, and transformers' _compute_llama3_parameters);
/// <c>linear</c> divides positions by <see cref="Factor"/>.
/// </summary>
public sealed record RopeConfig(
    string Type,
    double Theta,
    double Factor = 1,
    double LowFreqFactor = 1,
    double HighFreqFactor = 4,
    int OriginalMaxPositions = 8192)
{
    /// <summary>
    /// Which elements of a head rotate together. False (Hugging Face, and GGUF's NEOX-style qwen2/qwen3): pair
    /// (i, i + head_dim/2), transformers' rotate_half. True (GGUF llama): pair (2i, 2i + 1), GPT-J style, because
    /// convert_hf_to_gguf.py permutes llama's q_proj/k_proj rows so that ggml's interleaved rotation applies.
    /// </summary>
    public bool Interleaved { get; init; }

    /// <summary>
    /// Per-pair frequency divisors, length head_dim/2, or null. llama.cpp reads them from a GGUF's
    /// <c>rope_freqs.weight</c> tensor (convert_hf_to_gguf.py writes llama3 scaling that way, not as keys) and
    /// divides each pair's inverse frequency by its factor.
    /// </summary>
    public float[]? FrequencyFactors { get; init; }

    /// <summary>The RoPE types this build implements.</summary>
    public static readonly string[] SupportedTypes = ["default", "llama3", "linear"];

    /// <summary>The backend's view of this RoPE for heads of <paramref name="headDim"/>: frequencies and pairing.</summary>
    public Backends.RopeSpec Spec(int headDim) => new(InverseFrequencies(headDim), headDim, Interleaved);

    /// <summary>
    /// Inverse frequencies for each rotated pair, length <paramref name="headDim"/>/2, computed in
    /// double and rounded to fp32 as PyTorch's fp32 arange/pow path produces them.
    /// </summary>
    public float[] InverseFrequencies(int headDim)
    {
        int half = headDim / 2;
        if (FrequencyFactors is { } f && f.Length != half)
            throw new InvalidConfigException($"RoPE frequency factors hold {f.Length} values; head_dim {headDim} needs {half} (one per rotated pair)");
        var inv = new float[half];
        for (int i = 0; i < half; i++)
        {
            // transformers: 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim)), in fp32.
            float exponent = (float)(2 * i) / headDim;
            float freq = 1.0f / MathF.Pow((float)Theta, exponent);
            inv[i] = Type switch
            {
                "llama3" => Llama3Scale(freq),
                "linear" => freq / (float)Factor,
                _ => freq,
            };
            if (FrequencyFactors is { } factors) inv[i] /= factors[i];
        }
        return inv;
    }

    private float Llama3Scale(float freq)
    {
        float lowFreqWavelen = (float)(OriginalMaxPositions / LowFreqFactor);
        float highFreqWavelen = (float)(OriginalMaxPositions / HighFreqFactor);
        float wavelen = 2 * MathF.PI / freq;
        if (wavelen > lowFreqWavelen) return freq / (float)Factor;
        if (wavelen < highFreqWavelen) return freq;
        float smooth = ((float)OriginalMaxPositions / wavelen - (float)LowFreqFactor) / (float)(HighFreqFactor - LowFreqFactor);
        return (1 - smooth) * freq / (float)Factor + smooth * freq;
    }
}
