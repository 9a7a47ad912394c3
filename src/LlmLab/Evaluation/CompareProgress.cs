namespace LlmLab.Evaluation;

/// <summary>How far a <see cref="ModelComparison"/> run has come: <paramref name="Chunk"/> of <paramref name="Chunks"/> chunks done.</summary>
/// <param name="Chunk">Chunks scored so far (1-based after the first).</param>
/// <param name="Chunks">Chunks the run evaluates.</param>
public readonly record struct CompareProgress(int Chunk, int Chunks);
