namespace LlmLab.Benchmarks.LlamaCpp;

/// <summary>
/// Tokens per second over repetitions as llama-bench reports them: the mean and the sample standard deviation of the
/// per-repetition rates (tokens ÷ seconds of that repetition), not the rate of the summed time.
/// </summary>
internal sealed record Throughput(double Mean, double StandardDeviation, double[] Samples)
{
    public static Throughput Of(int tokens, IReadOnlyList<double> seconds)
    {
        var rates = seconds.Select(s => tokens / s).ToArray();
        double mean = rates.Average();
        double sd = rates.Length > 1 ? Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / (rates.Length - 1)) : 0;
        return new Throughput(mean, sd, rates);
    }

    public override string ToString() => $"{Mean:F2} ± {StandardDeviation:F2}";
}
