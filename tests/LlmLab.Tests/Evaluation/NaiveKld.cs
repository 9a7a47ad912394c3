namespace LlmLab.Tests.Evaluation;

/// <summary>
/// The comparison statistics computed the slow, obvious way in double, as a reference for KldAccumulator: softmax as
/// exp(l)/Σexp(l), KL as Σ p·ln(p/q), variances from deviations about the mean (two passes, not Σx² − n·mean²), and
/// percentiles by their definition in llama-perplexity (linear between ranks ⌊f(n−1)⌋ and ⌈f(n−1)⌉).
/// </summary>
internal sealed class NaiveKld
{
    public List<double> Kld { get; } = [];
    public List<double> DeltaP { get; } = [];
    public List<double> Nll { get; } = [];
    public List<double> NllBase { get; } = [];
    public int SameTop { get; private set; }

    public void Add(float[] baseLogits, float[] modelLogits, int next)
    {
        double[] p = Softmax(baseLogits), q = Softmax(modelLogits);
        Kld.Add(Enumerable.Range(0, p.Length).Sum(i => p[i] * Math.Log(p[i] / q[i])));
        Nll.Add(-Math.Log(q[next]));
        NllBase.Add(-Math.Log(p[next]));
        DeltaP.Add(q[next] - p[next]);
        if (ArgMax(baseLogits) == ArgMax(modelLogits)) SameTop++;
    }

    public int Count => Kld.Count;

    /// <summary>Mean and its standard error √(Σ(x − x̄)² / n / (n − 1)).</summary>
    public static (double Mean, double Error) MeanAndError(IReadOnlyList<double> x)
    {
        double mean = x.Average();
        double variance = x.Sum(v => (v - mean) * (v - mean)) / x.Count;
        return (mean, Math.Sqrt(variance / (x.Count - 1)));
    }

    /// <summary>Covariance of the two means: Σ(a − ā)(b − b̄) / n / (n − 1).</summary>
    public static double CovarianceOfMeans(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average();
        return Enumerable.Range(0, a.Count).Sum(i => (a[i] - ma) * (b[i] - mb)) / a.Count / (a.Count - 1);
    }

    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        var s = values.Order().ToArray();
        double rank = fraction * (s.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return s[lo] + (rank - lo) * (s[hi] - s[lo]);
    }

    private static double[] Softmax(float[] logits)
    {
        var e = logits.Select(l => Math.Exp(l)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
