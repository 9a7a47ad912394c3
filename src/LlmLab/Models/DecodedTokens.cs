namespace LlmLab.Models;

/// <summary>The tokens one step of <see cref="InferenceSession.Decode"/> gave every sequence, as the host received them.</summary>
/// <param name="Index">0 for the token chosen from the prompt's logits, then 1, 2, …</param>
/// <param name="Ids">One id per sequence, in batch order.</param>
/// <param name="ElapsedMs">
/// Milliseconds from the start of the loop (before the prefill) until the host had these ids: for index 0 the time to
/// first token; the difference between consecutive indices is the inter-token latency a user waiting for tokens sees.
/// </param>
public sealed record DecodedTokens(int Index, IReadOnlyList<int> Ids, double ElapsedMs);
