using System.Diagnostics;
using System.Text;
using LlmLab.Tokenization;

namespace LlmLab.Measurement;

/// <summary>
/// Encode throughput of a tokenizer on one thread: untimed warm-up passes (the first one also
/// fills the BPE word cache, as a long-lived tokenizer would have it; the others give the JIT
/// time to finish optimizing), then <c>repetitions</c> timed passes over the same text.
/// </summary>
public static class TokenizerBenchmark
{
    /// <summary>
    /// Warm-up continues until this much time has passed (at most <see cref="MaxWarmUpPasses"/>
    /// passes): tiered compilation swaps in optimized code some 100 ms after a method gets hot,
    /// and timing before that measured half the steady-state speed.
    /// </summary>
    private static readonly TimeSpan MinWarmUp = TimeSpan.FromSeconds(0.5);

    private const int MaxWarmUpPasses = 10;

    /// <summary>Runs the benchmark on the calling thread.</summary>
    /// <param name="tokenizer">The tokenizer to measure.</param>
    /// <param name="text">The text encoded by each pass (without special tokens).</param>
    /// <param name="repetitions">Number of timed passes, at least 1.</param>
    /// <exception cref="InvalidOptionException"><paramref name="repetitions"/> is below 1 or the text is empty.</exception>
    public static TokenizerBenchmarkResult Run(Tokenizer tokenizer, string text, int repetitions)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(text);
        if (repetitions < 1) throw new InvalidOptionException($"tokenizer benchmark: repetitions is {repetitions}; give 1 or more timed passes");
        if (text.Length == 0) throw new InvalidOptionException("tokenizer benchmark: the text is empty; give a text to encode");

        long bytesPerPass = Encoding.UTF8.GetByteCount(text);

        var warmUp = Stopwatch.StartNew();
        int tokensPerPass = tokenizer.Encode(text).Length;
        double warmUpSeconds = warmUp.Elapsed.TotalSeconds;
        for (int i = 1; i < MaxWarmUpPasses && warmUp.Elapsed < MinWarmUp; i++) tokenizer.Encode(text);

        long tokens = 0;
        var timer = Stopwatch.StartNew();
        for (int i = 0; i < repetitions; i++) tokens += tokenizer.Encode(text).Length;
        double seconds = timer.Elapsed.TotalSeconds;

        return new TokenizerBenchmarkResult(
            Tokenizer: tokenizer.Source,
            Repetitions: repetitions,
            BytesPerPass: bytesPerPass,
            TokensPerPass: tokensPerPass,
            Bytes: bytesPerPass * repetitions,
            Tokens: tokens,
            Seconds: seconds,
            WarmUpSeconds: warmUpSeconds);
    }
}
