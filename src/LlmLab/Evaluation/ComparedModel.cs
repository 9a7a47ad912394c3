namespace LlmLab.Evaluation;

/// <summary>
/// One side of a <see cref="CompareResult"/> (the base or the compared model): where it came from and its perplexity
/// over the scored tokens, with the standard error llama-perplexity prints beside it.
/// </summary>
public sealed record ComparedModel
{
    /// <summary>The model's folder (the identity other results carry: no result records a content hash yet).</summary>
    public required string Path { get; init; }

    /// <summary>Where it ran ("cpu", "cuda:0").</summary>
    public required string Device { get; init; }

    /// <summary>Mean negative log-likelihood of the correct next token, nats per token.</summary>
    public required double MeanNll { get; init; }

    /// <summary>Standard error of <see cref="MeanNll"/>: √((⟨nll²⟩ − ⟨nll⟩²) / (n − 1)), 0 for 10 tokens or fewer.</summary>
    public required double MeanNllError { get; init; }

    /// <summary>exp(<see cref="MeanNll"/>).</summary>
    public required double Perplexity { get; init; }

    /// <summary>Perplexity × <see cref="MeanNllError"/> (first-order propagation through exp).</summary>
    public required double PerplexityError { get; init; }
}
