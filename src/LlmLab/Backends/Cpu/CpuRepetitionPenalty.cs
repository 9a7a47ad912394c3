namespace LlmLab.Backends.Cpu;

/// <summary>
/// The reference of <see cref="IBackend.RepetitionPenalty"/>: transformers' <c>RepetitionPenaltyLogitsProcessor</c>
/// (gather the logits of the ids already in the sequence, <c>where(score &lt; 0, score · p, score / p)</c>, scatter back),
/// with the sequence's ids held as a presence row so a repeated id is penalised once.
/// </summary>
internal static class CpuRepetitionPenalty
{
    /// <summary>Records <paramref name="consumed"/> (when not null) in <paramref name="seen"/>, then penalises every seen logit of <paramref name="logits"/>.</summary>
    public static void ApplyRow(Span<float> logits, Span<int> seen, int? consumed, float penalty)
    {
        if (consumed is { } id)
        {
            if ((uint)id >= (uint)seen.Length) throw new InvalidOptionException($"token id {id} is outside the vocabulary of {seen.Length}");
            seen[id] = 1;
        }
        for (int v = 0; v < logits.Length; v++)
            if (seen[v] != 0) logits[v] = logits[v] < 0 ? logits[v] * penalty : logits[v] / penalty;
    }
}
