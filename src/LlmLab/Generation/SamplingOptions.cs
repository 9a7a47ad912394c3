namespace LlmLab.Generation;

/// <summary>
/// How the next token is chosen. Greedy (argmax) when <see cref="Temperature"/> is null or 0;
/// otherwise HF's order: repetition penalty, temperature, top-k, top-p, then a draw.
/// </summary>
/// <param name="Temperature">Softmax temperature; null or 0 means greedy.</param>
/// <param name="TopK">Keep only the k most likely tokens (null or 0: all).</param>
/// <param name="TopP">Keep the smallest set whose probability reaches p (null or 1: all).</param>
/// <param name="RepetitionPenalty">CTRL-style penalty on tokens already seen (1: none).</param>
/// <param name="Seed">Seed of the draw, for reproducible sampling.</param>
public sealed record SamplingOptions(float? Temperature = null, int? TopK = null, float? TopP = null, float RepetitionPenalty = 1f, int? Seed = null)
{
    /// <summary>Argmax decoding.</summary>
    public static SamplingOptions Greedy { get; } = new();

    /// <summary>True when no randomness is involved.</summary>
    public bool IsGreedy => Temperature is null or 0;

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first out-of-range option.</summary>
    public void Validate()
    {
        if (Temperature is { } t && (!float.IsFinite(t) || t < 0 || t > 100)) throw new InvalidOptionException($"--temperature {t} must be between 0 and 100 (0 = greedy)");
        if (TopK is { } k && k < 0) throw new InvalidOptionException($"--top-k {k} must be 0 (off) or positive");
        if (TopP is { } p && (!float.IsFinite(p) || p <= 0 || p > 1)) throw new InvalidOptionException($"--top-p {p} must be in (0, 1]");
        if (!float.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0 || RepetitionPenalty > 100) throw new InvalidOptionException($"--repetition-penalty {RepetitionPenalty} must be in (0, 100]");
    }
}
