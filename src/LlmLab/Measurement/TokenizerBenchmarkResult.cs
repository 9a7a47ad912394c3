using System.Globalization;

namespace LlmLab.Measurement;

/// <summary>What <see cref="TokenizerBenchmark.Run"/> measured. MB are 10^6 bytes of UTF-8 input.</summary>
/// <param name="Tokenizer">The tokenizer's source file.</param>
/// <param name="Repetitions">Timed passes over the text.</param>
/// <param name="BytesPerPass">UTF-8 bytes of the text.</param>
/// <param name="TokensPerPass">Ids one pass produces.</param>
/// <param name="Bytes">UTF-8 bytes encoded in the timed passes (BytesPerPass × Repetitions).</param>
/// <param name="Tokens">Ids produced by the timed passes.</param>
/// <param name="Seconds">Wall time of the timed passes, in seconds.</param>
/// <param name="WarmUpSeconds">Wall time of the first, untimed pass (cold BPE cache, unoptimized JIT code), in seconds.</param>
public sealed record TokenizerBenchmarkResult(
    string Tokenizer,
    int Repetitions,
    long BytesPerPass,
    long TokensPerPass,
    long Bytes,
    long Tokens,
    double Seconds,
    double WarmUpSeconds)
{
    /// <summary>Encode throughput in MB/s (10^6 bytes of UTF-8 input per second).</summary>
    public double MegabytesPerSecond => Seconds > 0 ? Bytes / 1e6 / Seconds : double.PositiveInfinity;

    /// <summary>Ids produced per second.</summary>
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : double.PositiveInfinity;

    /// <summary>The cold first pass's throughput in MB/s, for comparison.</summary>
    public double WarmUpMegabytesPerSecond => WarmUpSeconds > 0 ? BytesPerPass / 1e6 / WarmUpSeconds : double.PositiveInfinity;

    /// <summary>The measurement with its arithmetic, on a few lines.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"""
        tokenizer {Tokenizer}, one thread
          text: {BytesPerPass:N0} bytes UTF-8 -> {TokensPerPass:N0} tokens ({(TokensPerPass > 0 ? (double)BytesPerPass / TokensPerPass : 0):F2} bytes/token)
          timed: {Repetitions} passes x {BytesPerPass:N0} B = {Bytes:N0} B in {Seconds:F4} s -> {Bytes:N0} / {Seconds:F4} / 1e6 = {MegabytesPerSecond:F2} MB/s, {Tokens:N0} / {Seconds:F4} = {TokensPerSecond:N0} tokens/s
          first warm-up pass (cold word cache, unoptimized JIT): {WarmUpSeconds:F4} s -> {WarmUpMegabytesPerSecond:F2} MB/s
        """);
}
