namespace LlmLab.Backends;

/// <summary>
/// What a backend needs to build rotary tables: one inverse frequency per rotated pair (headDim/2 of them, already
/// scaled by the model's RoPE type), the head width, and which elements form a pair.
/// </summary>
/// <param name="InverseFrequencies">θ_i per pair, in fp32 as the reference implementation computes them.</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="Interleaved">Pairs are (2i, 2i+1) (GGUF llama, GPT-J style) instead of (i, i + headDim/2) (rotate-half).</param>
public sealed record RopeSpec(float[] InverseFrequencies, int HeadDim, bool Interleaved)
{
    /// <summary>
    /// The rotary tables every backend rotates with, computed once here on the host: cos and sin of angle = θ_i · p in
    /// fp32 (as transformers computes them) for positions p in [0, <paramref name="maxPositions"/>), each
    /// [maxPositions, HeadDim/2] row-major. The CPU keeps them; a GPU uploads them, so both rotate identically.
    /// </summary>
    public (float[] Cos, float[] Sin) Tables(int maxPositions)
    {
        int half = HeadDim / 2;
        if (maxPositions < 1 || InverseFrequencies.Length < half)
            throw new ArgumentException($"rotary tables for {maxPositions} positions of a {HeadDim}-wide head need maxPositions ≥ 1 and {half} inverse frequencies, not {InverseFrequencies.Length}");
        var cos = new float[checked((long)maxPositions * half)];
        var sin = new float[cos.Length];
        for (int p = 0; p < maxPositions; p++)
            for (int i = 0; i < half; i++)
            {
                float angle = InverseFrequencies[i] * p;
                cos[(long)p * half + i] = MathF.Cos(angle);
                sin[(long)p * half + i] = MathF.Sin(angle);
            }
        return (cos, sin);
    }
}
