namespace LlmLab.Evaluation;

/// <summary>
/// Δp = p_model(correct token) − p_base(correct token) over the scored tokens, as llama-perplexity's "Token
/// probability statistics" block reports it: a probability difference in [−1, 1] (not a percentage). Percentiles
/// interpolate linearly between the two nearest ranks of the sorted values, llama-perplexity's method.
/// </summary>
public sealed record DeltaPStatistics
{
    /// <summary>Mean Δp (negative: the model gives the correct token less probability than the base).</summary>
    public required double Mean { get; init; }

    /// <summary>Standard error of <see cref="Mean"/> (0 for 10 tokens or fewer).</summary>
    public required double MeanError { get; init; }

    /// <summary>Root mean square of Δp: √⟨Δp²⟩.</summary>
    public required double Rms { get; init; }

    /// <summary>Standard error of <see cref="Rms"/>: the error of ⟨Δp²⟩ (from ⟨Δp⁴⟩) × ½/RMS.</summary>
    public required double RmsError { get; init; }

    /// <summary>Largest Δp (signed).</summary>
    public required double Max { get; init; }

    /// <summary>99.9th percentile.</summary>
    public required double P999 { get; init; }

    /// <summary>99th percentile.</summary>
    public required double P99 { get; init; }

    /// <summary>95th percentile.</summary>
    public required double P95 { get; init; }

    /// <summary>90th percentile.</summary>
    public required double P90 { get; init; }

    /// <summary>75th percentile.</summary>
    public required double P75 { get; init; }

    /// <summary>Median (the mean of the two middle values when the count is even).</summary>
    public required double Median { get; init; }

    /// <summary>25th percentile.</summary>
    public required double P25 { get; init; }

    /// <summary>10th percentile.</summary>
    public required double P10 { get; init; }

    /// <summary>5th percentile.</summary>
    public required double P5 { get; init; }

    /// <summary>1st percentile.</summary>
    public required double P1 { get; init; }

    /// <summary>0.1st percentile (named like <see cref="P999"/>: the digits of 00.1).</summary>
    public required double P001 { get; init; }

    /// <summary>Smallest Δp (signed: the largest drop).</summary>
    public required double Min { get; init; }
}
