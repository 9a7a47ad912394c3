namespace LlmLab.Evaluation;

/// <summary>
/// How far a model's next-token distributions are from a base model's over the same text, with the figures
/// <c>llama-perplexity --kl-divergence</c> prints: both perplexities, their log ratio and correlation, the KL
/// divergence distribution, how often the top token agrees, and the change in the correct token's probability (Δp).
/// Every "Error" is a standard error, as llama-perplexity's "±".
/// </summary>
/// <remarks>
/// Protocol (<see cref="ModelComparison"/>): the text is tokenized once, cut into <see cref="Chunks"/> consecutive
/// chunks of <see cref="Ctx"/> tokens (the first replaced by BOS when the tokenizer adds one), and in each chunk the
/// predictions at positions Ctx/2 … Ctx−2 (of the token after each) are scored: <see cref="Tokens"/> =
/// Chunks × (Ctx − 1 − Ctx/2).
/// </remarks>
public sealed record CompareResult
{
    /// <summary>Tokens per chunk (llama-perplexity's <c>-c</c>).</summary>
    public required int Ctx { get; init; }

    /// <summary>Chunks evaluated.</summary>
    public required int Chunks { get; init; }

    /// <summary>Predictions scored: Chunks × (Ctx − 1 − Ctx/2).</summary>
    public required long Tokens { get; init; }

    /// <summary>The text file (or name) compared on.</summary>
    public required string Text { get; init; }

    /// <summary>Tokens the whole text encodes to (chunks use the first Chunks × Ctx).</summary>
    public required long TextTokens { get; init; }

    /// <summary>The BOS token put first in every chunk, or null when the tokenizer adds none.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>The reference model and its perplexity.</summary>
    public required ComparedModel Base { get; init; }

    /// <summary>The model compared with the base (e.g. a quantized copy) and its perplexity.</summary>
    public required ComparedModel Model { get; init; }

    /// <summary>ln(PPL(model) / PPL(base)) = mean NLL(model) − mean NLL(base).</summary>
    public required double LnPerplexityRatio { get; init; }

    /// <summary>Standard error of <see cref="LnPerplexityRatio"/>: √(σ²_model + σ²_base − 2·cov), the covariance of the two means counted.</summary>
    public required double LnPerplexityRatioError { get; init; }

    /// <summary>PPL(model) / PPL(base).</summary>
    public required double PerplexityRatio { get; init; }

    /// <summary>Standard error of <see cref="PerplexityRatio"/> (ratio × the error of its logarithm).</summary>
    public required double PerplexityRatioError { get; init; }

    /// <summary>PPL(model) − PPL(base).</summary>
    public required double PerplexityDifference { get; init; }

    /// <summary>Standard error of <see cref="PerplexityDifference"/>.</summary>
    public required double PerplexityDifferenceError { get; init; }

    /// <summary>
    /// Pearson correlation of the two models' per-token log-probabilities of the correct token (llama-perplexity's
    /// "Cor(ln(PPL(Q)), ln(PPL(base)))"); null when either has no spread (10 tokens or fewer, or constant).
    /// </summary>
    public double? LogProbCorrelation { get; init; }

    /// <summary>KL(p_base ‖ p_model) per token: mean, error and percentiles, in nats.</summary>
    public required KldStatistics Kld { get; init; }

    /// <summary>Fraction of scored positions where both models' most likely token is the same.</summary>
    public required double SameTopFraction { get; init; }

    /// <summary>Standard error of <see cref="SameTopFraction"/>: √(f(1 − f)/(n − 1)).</summary>
    public required double SameTopError { get; init; }

    /// <summary>p_model − p_base of the correct next token: mean, RMS and percentiles.</summary>
    public required DeltaPStatistics DeltaP { get; init; }

    /// <summary>Wall time of both models' passes and the statistics, seconds.</summary>
    public required double Seconds { get; init; }
}
