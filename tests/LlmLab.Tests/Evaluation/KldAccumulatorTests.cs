using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

public sealed class KldAccumulatorTests
{
    private static readonly ComparisonText Text = new("synthetic", [], null);
    private static readonly ComparedModelIdentity Side = new("synthetic", "cpu");

    /// <summary>Random logits for <paramref name="positions"/> rows of <paramref name="vocab"/>; the model's are the base's plus noise of scale <paramref name="noise"/>.</summary>
    private static (float[] Base, float[] Model, int[] Next) Synthetic(int positions, int vocab, double noise, int seed)
    {
        var random = new Random(seed);
        var b = new float[positions * vocab];
        var m = new float[positions * vocab];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (float)(random.NextDouble() * 6 - 3);
            m[i] = (float)(b[i] + noise * (random.NextDouble() * 2 - 1));
        }
        return (b, m, Enumerable.Range(0, positions).Select(_ => random.Next(vocab)).ToArray());
    }

    private static CompareResult Accumulate(float[] b, float[] m, int[] next, int vocab)
    {
        var acc = new KldAccumulator(vocab);
        acc.Add(b, m, next);
        return acc.ToResult(Side, Side, Text, ctx: 8, chunks: 1, seconds: 0);
    }

    [Fact]
    public void Two_token_distributions_give_the_closed_form_kld_and_delta_p()
    {
        // base p = (1/2, 1/2); model q = (3/4, 1/4): KL = ½ln(½ / ¾) + ½ln(½ / ¼) = ½ln(4/3); Δp of token 0 = ¾ − ½.
        var r = Accumulate([0f, 0f], [(float)Math.Log(3), 0f], [0], vocab: 2);

        Assert.Equal(0.5 * Math.Log(4.0 / 3.0), r.Kld.Mean, 6);
        Assert.Equal(0.25, r.DeltaP.Mean, 6);
        Assert.Equal(1.0, r.SameTopFraction);   // both pick token 0 (the base's tie resolves to the first)
        Assert.Equal(Math.Log(4.0 / 3.0) - Math.Log(2), r.LnPerplexityRatio, 6);   // NLL(model) = −ln ¾ = ln 4/3, NLL(base) = ln 2
    }

    [Fact]
    public void Statistics_of_random_logits_equal_a_naive_double_precision_reference()
    {
        const int Positions = 300, Vocab = 11;
        var (b, m, next) = Synthetic(Positions, Vocab, noise: 0.8, seed: 7);
        var naive = new NaiveKld();
        for (int r = 0; r < Positions; r++) naive.Add(b[(r * Vocab)..((r + 1) * Vocab)], m[(r * Vocab)..((r + 1) * Vocab)], next[r]);

        var result = Accumulate(b, m, next, Vocab);

        var (kld, kldError) = NaiveKld.MeanAndError(naive.Kld);
        var (nll, nllError) = NaiveKld.MeanAndError(naive.Nll);
        var (nllBase, nllBaseError) = NaiveKld.MeanAndError(naive.NllBase);
        var (deltaP, deltaPError) = NaiveKld.MeanAndError(naive.DeltaP);
        var (meanSquare, meanSquareError) = NaiveKld.MeanAndError(naive.DeltaP.Select(d => d * d).ToArray());
        double covariance = NaiveKld.CovarianceOfMeans(naive.Nll, naive.NllBase);
        double sameTop = (double)naive.SameTop / Positions;
        const double Tolerance = 1e-9;
        Assert.Equal(Positions, result.Tokens);
        Assert.Equal(kld, result.Kld.Mean, Tolerance);
        Assert.Equal(kldError, result.Kld.MeanError, Tolerance);
        Assert.Equal(naive.Kld.Max(), result.Kld.Max, Tolerance);
        Assert.Equal(naive.Kld.Min(), result.Kld.Min, Tolerance);
        foreach (var (f, actual) in new[] { (0.999, result.Kld.P999), (0.99, result.Kld.P99), (0.95, result.Kld.P95), (0.9, result.Kld.P90), (0.5, result.Kld.Median),
                     (0.1, result.Kld.P10), (0.05, result.Kld.P5), (0.01, result.Kld.P1), (0.001, result.Kld.P001) })
            Assert.Equal(NaiveKld.Percentile(naive.Kld, f), actual, Tolerance);
        Assert.Equal(Math.Exp(nll), result.Model.Perplexity, Tolerance);
        Assert.Equal(Math.Exp(nll) * nllError, result.Model.PerplexityError, Tolerance);
        Assert.Equal(Math.Exp(nllBase), result.Base.Perplexity, Tolerance);
        Assert.Equal(Math.Exp(nllBase) * nllBaseError, result.Base.PerplexityError, Tolerance);
        Assert.Equal(nll - nllBase, result.LnPerplexityRatio, Tolerance);
        Assert.Equal(Math.Sqrt(nllError * nllError + nllBaseError * nllBaseError - 2 * covariance), result.LnPerplexityRatioError, Tolerance);
        Assert.Equal(covariance / (nllError * nllBaseError), result.LogProbCorrelation!.Value, Tolerance);
        Assert.Equal(sameTop, result.SameTopFraction, Tolerance);
        Assert.Equal(Math.Sqrt(sameTop * (1 - sameTop) / (Positions - 1)), result.SameTopError, Tolerance);
        Assert.Equal(deltaP, result.DeltaP.Mean, Tolerance);
        Assert.Equal(deltaPError, result.DeltaP.MeanError, Tolerance);
        Assert.Equal(Math.Sqrt(meanSquare), result.DeltaP.Rms, Tolerance);
        Assert.Equal(0.5 / Math.Sqrt(meanSquare) * meanSquareError, result.DeltaP.RmsError, Tolerance);
        foreach (var (f, actual) in new[] { (0.999, result.DeltaP.P999), (0.99, result.DeltaP.P99), (0.95, result.DeltaP.P95), (0.9, result.DeltaP.P90), (0.75, result.DeltaP.P75),
                     (0.5, result.DeltaP.Median), (0.25, result.DeltaP.P25), (0.1, result.DeltaP.P10), (0.05, result.DeltaP.P5), (0.01, result.DeltaP.P1), (0.001, result.DeltaP.P001) })
            Assert.Equal(NaiveKld.Percentile(naive.DeltaP, f), actual, Tolerance);
        Assert.Equal(naive.DeltaP.Max(), result.DeltaP.Max, Tolerance);
        Assert.Equal(naive.DeltaP.Min(), result.DeltaP.Min, Tolerance);
    }

    [Fact]
    public void Identical_logits_give_zero_kld_full_agreement_and_a_zero_log_ratio()
    {
        var (b, _, next) = Synthetic(50, 9, noise: 0, seed: 3);

        var r = Accumulate(b, b, next, 9);

        Assert.Equal((0.0, 0.0, 0.0, 0.0), (r.Kld.Mean, r.Kld.Max, r.Kld.MeanError, r.LnPerplexityRatio));
        Assert.Equal((1.0, 0.0), (r.SameTopFraction, r.SameTopError));
        Assert.Equal((0.0, 0.0, 0.0), (r.DeltaP.Mean, r.DeltaP.Rms, r.DeltaP.RmsError));
        Assert.Equal(0.0, r.LnPerplexityRatioError);
        Assert.Equal(1.0, r.LogProbCorrelation!.Value, 12);
        Assert.Equal(r.Base.Perplexity, r.Model.Perplexity);
    }

    [Fact]
    public void Ten_positions_or_fewer_report_no_error_and_no_correlation_as_llama_perplexity_does()
    {
        var (b, m, next) = Synthetic(10, 5, noise: 1, seed: 5);

        var r = Accumulate(b, m, next, 5);

        Assert.Equal((0.0, 0.0, 0.0), (r.Kld.MeanError, r.Model.MeanNllError, r.DeltaP.MeanError));
        Assert.Null(r.LogProbCorrelation);
    }

    [Fact]
    public void Logits_that_are_not_whole_rows_of_the_vocabulary_are_rejected()
    {
        var acc = new KldAccumulator(4);

        Assert.Throws<ArgumentException>(() => acc.Add(new float[7], new float[8], new int[2]));
    }
}

public sealed class RankPercentileTests
{
    private static readonly double[] OneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    [InlineData(0.9, 9.1)]      // rank 0.9 × 9 = 8.1: 9 + 0.1 × (10 − 9), as numpy.percentile(1..10, 90)
    [InlineData(0.1, 1.9)]
    [InlineData(0.999, 9.991)]
    [InlineData(0.001, 1.009)]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 10.0)]
    public void Percentiles_interpolate_linearly_between_ranks(double fraction, double expected)
    {
        Assert.Equal(expected, RankPercentile.Of(OneToTen, fraction), 12);
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(5.5, RankPercentile.Median(OneToTen));
        Assert.Equal(3.0, RankPercentile.Median([1, 3, 8]));
    }
}
