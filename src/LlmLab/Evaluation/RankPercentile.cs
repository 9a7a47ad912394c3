namespace LlmLab.Evaluation;

/// <summary>
/// Percentiles of sorted values as llama-perplexity computes them: the rank fraction × (n − 1) interpolated linearly
/// between its two neighbours (numpy's default "linear" method), the ends clamped to the smallest and largest value.
/// Unlike <see cref="Measurement.LatencyPercentiles"/> (nearest rank), this is the method whose figures are compared
/// with llama-perplexity's.
/// </summary>
internal static class RankPercentile
{
    /// <summary>The <paramref name="fraction"/> (0..1) percentile of <paramref name="sorted"/> (ascending, not empty).</summary>
    public static double Of(IReadOnlyList<double> sorted, double fraction)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values to take a percentile of", nameof(sorted));
        if (fraction <= 0) return sorted[0];
        if (fraction >= 1) return sorted[^1];
        double rank = fraction * (sorted.Count - 1);
        int below = (int)rank;
        double weight = rank - below;
        return (1 - weight) * sorted[below] + weight * sorted[Math.Min(below + 1, sorted.Count - 1)];
    }

    /// <summary>The middle value, or the mean of the two middle values when the count is even.</summary>
    public static double Median(IReadOnlyList<double> sorted)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values to take a median of", nameof(sorted));
        int half = sorted.Count / 2;
        return sorted.Count % 2 == 0 ? 0.5 * (sorted[half - 1] + sorted[half]) : sorted[half];
    }
}
