namespace LlmLab.Evaluation;

/// <summary>
/// The distribution of the per-token KL divergence KL(p_base ‖ p_model) in nats over the scored tokens, as
/// llama-perplexity's "KL divergence statistics" block reports it. Percentiles interpolate linearly between the two
/// nearest ranks of the sorted values (rank = fraction × (n − 1)), llama-perplexity's method.
/// </summary>
public sealed record KldStatistics
{
    /// <summary>Mean KLD.</summary>
    public required double Mean { get; init; }

    /// <summary>Standard error of <see cref="Mean"/> (0 for 10 tokens or fewer).</summary>
    public required double MeanError { get; init; }

    /// <summary>Largest KLD.</summary>
    public required double Max { get; init; }

    /// <summary>99.9th percentile.</summary>
    public required double P999 { get; init; }

    /// <summary>99th percentile.</summary>
    public required double P99 { get; init; }

    /// <summary>95th percentile.</summary>
    public required double P95 { get; init; }

    /// <summary>90th percentile.</summary>
    public required double P90 { get; init; }

    /// <summary>Median (the mean of the two middle values when the count is even).</summary>
    public required double Median { get; init; }

    /// <summary>10th percentile.</summary>
    public required double P10 { get; init; }

    /// <summary>5th percentile.</summary>
    public required double P5 { get; init; }

    /// <summary>1st percentile.</summary>
    public required double P1 { get; init; }

    /// <summary>0.1st percentile (named like <see cref="P999"/>: the digits of 00.1).</summary>
    public required double P001 { get; init; }

    /// <summary>Smallest KLD.</summary>
    public required double Min { get; init; }
}
