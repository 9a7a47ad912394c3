using LlmLab.Measurement;

namespace LlmLab.Tests.Tokenization;

/// <summary>The tokenizer benchmark's bookkeeping (its timings are printed by the benchmark, never asserted).</summary>
public sealed class TokenizerBenchmarkTests
{
    [Fact]
    public void The_benchmark_counts_bytes_and_tokens_of_every_timed_pass()
    {
        var t = TokenizerFixtures.Brown;
        const string text = "The jury said it did find that many of the voters were ... né.";
        var r = TokenizerBenchmark.Run(t, text, repetitions: 3);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), r.BytesPerPass);
        Assert.Equal(3 * r.BytesPerPass, r.Bytes);
        Assert.Equal(t.Encode(text).Length, r.TokensPerPass);
        Assert.Equal(3 * r.TokensPerPass, r.Tokens);
        Assert.True(r.Seconds > 0);
        Assert.Contains("MB/s", r.Describe());
        Assert.Contains($"{r.Bytes:N0}", r.Describe());
    }

    [Fact]
    public void The_benchmark_needs_at_least_one_timed_pass()
    {
        Assert.Throws<InvalidOptionException>(() => TokenizerBenchmark.Run(TokenizerFixtures.Brown, "text", 0));
    }
}
