using System.Numerics.Tensors;

namespace LlmLab.Evaluation;

/// <summary>
/// Scores positions one at a time from the base's and the model's logits and turns the running sums into a
/// <see cref="CompareResult"/>, with llama-perplexity's formulas (tools/perplexity/perplexity.cpp,
/// <c>kl_divergence</c>). Each position costs two log-softmaxes in double; only two numbers per position are kept
/// (its KLD and Δp, for the percentiles), never the logits.
/// </summary>
/// <remarks>
/// Where llama-perplexity differs: it stores the base's log-probabilities as 16-bit steps over a 16-nat range and
/// skips base probabilities below e^−16 in the KLD sum (an artefact of that storage); here both distributions are
/// exact doubles and every term counts. Errors whose variance rounds below zero are reported as 0, not NaN.
/// </remarks>
internal sealed class KldAccumulator
{
    /// <summary>
    /// llama-perplexity reports a mean's error only above this many values (and a covariance from 10 on): too few
    /// values give no meaningful spread.
    /// </summary>
    private const int MinCountForError = 10;

    private readonly int _vocab;
    private readonly double[] _baseLogProbs, _modelLogProbs;   // (vocab) scratch, nats
    private readonly List<double> _kld = [], _deltaP = [];      // (positions) per-position values for the percentiles
    private double _sumNll, _sumNll2, _sumNllBase, _sumNllBase2, _sumNllProduct;
    private double _sumKld, _sumKld2, _sumDeltaP, _sumDeltaP2, _sumDeltaP4;
    private long _sameTop;

    public KldAccumulator(int vocab)
    {
        if (vocab < 1) throw new ArgumentOutOfRangeException(nameof(vocab), vocab, "a vocabulary has at least one token");
        _vocab = vocab;
        _baseLogProbs = new double[vocab];
        _modelLogProbs = new double[vocab];
    }

    /// <summary>Positions scored so far.</summary>
    public long Count => _kld.Count;

    /// <summary>
    /// Scores consecutive positions: <paramref name="baseLogits"/> and <paramref name="modelLogits"/> are
    /// [positions, vocab] row-major, <paramref name="nextTokens"/> [positions] the correct token after each.
    /// </summary>
    public void Add(ReadOnlySpan<float> baseLogits, ReadOnlySpan<float> modelLogits, ReadOnlySpan<int> nextTokens)
    {
        long expected = (long)nextTokens.Length * _vocab;
        if (baseLogits.Length != expected || modelLogits.Length != expected)
            throw new ArgumentException($"logits of {baseLogits.Length} and {modelLogits.Length} values are not {nextTokens.Length} rows of {_vocab}");
        for (int r = 0; r < nextTokens.Length; r++)
            AddPosition(baseLogits.Slice(r * _vocab, _vocab), modelLogits.Slice(r * _vocab, _vocab), nextTokens[r]);
    }

    private void AddPosition(ReadOnlySpan<float> baseLogits, ReadOnlySpan<float> modelLogits, int next)
    {
        if ((uint)next >= (uint)_vocab) throw new ArgumentOutOfRangeException(nameof(next), next, $"token id outside the vocabulary of {_vocab}");
        LogitComparison.LogSoftmax(baseLogits, _baseLogProbs);
        LogitComparison.LogSoftmax(modelLogits, _modelLogProbs);

        // KL(p_base ‖ p_model) = Σ p_base·(log p_base − log p_model); a base probability that underflows to 0 adds 0.
        double kld = 0;
        for (int i = 0; i < _vocab; i++)
        {
            double p = Math.Exp(_baseLogProbs[i]);
            if (p > 0) kld += p * (_baseLogProbs[i] - _modelLogProbs[i]);
        }
        _kld.Add(kld);
        _sumKld += kld;
        _sumKld2 += kld * kld;
        if (TensorPrimitives.IndexOfMax(baseLogits) == TensorPrimitives.IndexOfMax(modelLogits)) _sameTop++;

        double nll = -_modelLogProbs[next], nllBase = -_baseLogProbs[next];
        _sumNll += nll;
        _sumNll2 += nll * nll;
        _sumNllBase += nllBase;
        _sumNllBase2 += nllBase * nllBase;
        _sumNllProduct += nll * nllBase;

        double deltaP = Math.Exp(-nll) - Math.Exp(-nllBase);
        _deltaP.Add(deltaP);
        _sumDeltaP += deltaP;
        _sumDeltaP2 += deltaP * deltaP;
        _sumDeltaP4 += deltaP * deltaP * deltaP * deltaP;
    }

    /// <summary>The statistics of every position scored, with the run's identity.</summary>
    public CompareResult ToResult(ComparedModelIdentity baseModel, ComparedModelIdentity model, ComparisonText text, int ctx, int chunks, double seconds)
    {
        long n = Count;
        if (n == 0) throw new InvalidOperationException("no position was scored");
        var (nll, nllError) = MeanAndError(_sumNll, _sumNll2, n);
        var (nllBase, nllBaseError) = MeanAndError(_sumNllBase, _sumNllBase2, n);
        double covariance = Covariance(_sumNll, _sumNllBase, _sumNllProduct, n);
        double ppl = Math.Exp(nll), pplBase = Math.Exp(nllBase);
        double pplError = ppl * nllError, pplBaseError = pplBase * nllBaseError;   // d exp(x) = exp(x) dx
        double lnRatio = nll - nllBase;
        double lnRatioError = SafeSqrt(nllError * nllError + nllBaseError * nllBaseError - 2 * covariance);

        var kld = _kld.Order().ToArray();
        var (kldMean, kldError) = MeanAndError(_sumKld, _sumKld2, n);
        var deltaP = _deltaP.Order().ToArray();
        var (deltaPMean, deltaPError) = MeanAndError(_sumDeltaP, _sumDeltaP2, n);
        var (meanSquare, meanSquareError) = MeanAndError(_sumDeltaP2, _sumDeltaP4, n);
        double rms = Math.Sqrt(meanSquare);
        double sameTop = (double)_sameTop / n;

        return new CompareResult
        {
            Ctx = ctx,
            Chunks = chunks,
            Tokens = n,
            Text = text.Source,
            TextTokens = text.Tokens.Count,
            BosTokenId = text.BosTokenId,
            Base = Side(baseModel, nllBase, nllBaseError, pplBase, pplBaseError),
            Model = Side(model, nll, nllError, ppl, pplError),
            LnPerplexityRatio = lnRatio,
            LnPerplexityRatioError = lnRatioError,
            PerplexityRatio = Math.Exp(lnRatio),
            PerplexityRatioError = Math.Exp(lnRatio) * lnRatioError,
            PerplexityDifference = ppl - pplBase,
            PerplexityDifferenceError = SafeSqrt(pplError * pplError + pplBaseError * pplBaseError - 2 * ppl * pplBase * covariance),
            LogProbCorrelation = nllError > 0 && nllBaseError > 0 ? covariance / (nllError * nllBaseError) : null,
            Kld = new KldStatistics
            {
                Mean = kldMean,
                MeanError = kldError,
                Max = kld[^1],
                P999 = RankPercentile.Of(kld, 0.999),
                P99 = RankPercentile.Of(kld, 0.99),
                P95 = RankPercentile.Of(kld, 0.95),
                P90 = RankPercentile.Of(kld, 0.90),
                Median = RankPercentile.Median(kld),
                P10 = RankPercentile.Of(kld, 0.10),
                P5 = RankPercentile.Of(kld, 0.05),
                P1 = RankPercentile.Of(kld, 0.01),
                P001 = RankPercentile.Of(kld, 0.001),
                Min = kld[0],
            },
            SameTopFraction = sameTop,
            SameTopError = n > 1 ? Math.Sqrt(sameTop * (1 - sameTop) / (n - 1)) : 0,
            DeltaP = new DeltaPStatistics
            {
                Mean = deltaPMean,
                MeanError = deltaPError,
                Rms = rms,
                RmsError = rms > 0 ? 0.5 / rms * meanSquareError : 0,   // d√x = dx / (2√x)
                Max = deltaP[^1],
                P999 = RankPercentile.Of(deltaP, 0.999),
                P99 = RankPercentile.Of(deltaP, 0.99),
                P95 = RankPercentile.Of(deltaP, 0.95),
                P90 = RankPercentile.Of(deltaP, 0.90),
                P75 = RankPercentile.Of(deltaP, 0.75),
                Median = RankPercentile.Median(deltaP),
                P25 = RankPercentile.Of(deltaP, 0.25),
                P10 = RankPercentile.Of(deltaP, 0.10),
                P5 = RankPercentile.Of(deltaP, 0.05),
                P1 = RankPercentile.Of(deltaP, 0.01),
                P001 = RankPercentile.Of(deltaP, 0.001),
                Min = deltaP[0],
            },
            Seconds = seconds,
        };
    }

    private static ComparedModel Side(ComparedModelIdentity identity, double nll, double nllError, double ppl, double pplError) => new()
    {
        Path = identity.Path,
        Device = identity.Device,
        MeanNll = nll,
        MeanNllError = nllError,
        Perplexity = ppl,
        PerplexityError = pplError,
    };

    /// <summary>The mean of n values from Σx and Σx², and its standard error √((⟨x²⟩ − ⟨x⟩²)/(n − 1)) (0 for n ≤ 10).</summary>
    internal static (double Mean, double Error) MeanAndError(double sum, double sumSquares, long n)
    {
        double mean = sum / n;
        double variance = sumSquares / n - mean * mean;
        return (mean, variance > 0 && n > MinCountForError ? Math.Sqrt(variance / (n - 1)) : 0);
    }

    /// <summary>Covariance of the two means: (⟨ab⟩ − ⟨a⟩⟨b⟩)/(n − 1), 0 below 10 values.</summary>
    internal static double Covariance(double sumA, double sumB, double sumProducts, long n) =>
        n < MinCountForError ? 0 : (sumProducts / n - sumA / n * (sumB / n)) / (n - 1);

    private static double SafeSqrt(double variance) => variance > 0 ? Math.Sqrt(variance) : 0;
}
