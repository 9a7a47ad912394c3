using LlmLab.Generation;

namespace LlmLab.Tests.Generation;

public sealed class SamplerTests
{
    private static readonly float[] Logits = [1f, 3f, 2f, 0.5f, 2.9f];

    [Fact]
    public void Greedy_picks_the_argmax() => Assert.Equal(1, new Sampler(SamplingOptions.Greedy).Next(Logits, []));

    [Fact]
    public void Top_k_of_one_always_picks_the_argmax()
    {
        var sampler = new Sampler(new SamplingOptions(Temperature: 5f, TopK: 1, Seed: 1));
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, sampler.Next(Logits, [])));
    }

    [Fact]
    public void Top_k_of_two_only_draws_the_two_most_likely_tokens()
    {
        var sampler = new Sampler(new SamplingOptions(Temperature: 1f, TopK: 2, Seed: 3));
        var drawn = Enumerable.Range(0, 300).Select(_ => sampler.Next(Logits, [])).ToHashSet();
        Assert.Equal([1, 4], drawn.Order());
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        // softmax(Logits) ≈ [.05, .37, .14, .03, .34]: p = 0.6 keeps ids 1 and 4 (0.37 + 0.34 ≥ 0.6).
        var sampler = new Sampler(new SamplingOptions(Temperature: 1f, TopP: 0.6f, Seed: 4));
        var drawn = Enumerable.Range(0, 300).Select(_ => sampler.Next(Logits, [])).ToHashSet();
        Assert.Equal([1, 4], drawn.Order());
    }

    [Fact]
    public void Same_seed_gives_the_same_draws()
    {
        var a = new Sampler(new SamplingOptions(Temperature: 1f, Seed: 42));
        var b = new Sampler(new SamplingOptions(Temperature: 1f, Seed: 42));
        Assert.Equal(Enumerable.Range(0, 20).Select(_ => a.Next(Logits, [])), Enumerable.Range(0, 20).Select(_ => b.Next(Logits, [])));
    }

    [Fact]
    public void Repetition_penalty_divides_positive_logits_of_seen_tokens()
    {
        // id 1 (3.0) seen, penalty 2 → 1.5, so id 4 (2.9) becomes the argmax.
        var sampler = new Sampler(new SamplingOptions(RepetitionPenalty: 2f));
        Assert.Equal(4, sampler.Next(Logits, [1]));
    }

    [Theory]
    [InlineData(-1f, null, null)]
    [InlineData(1f, -3, null)]
    [InlineData(1f, null, 1.5f)]
    [InlineData(1f, null, 0f)]
    public void Out_of_range_options_are_rejected_naming_the_option(float temperature, int? topK, float? topP)
    {
        var e = Assert.Throws<InvalidOptionException>(() => new Sampler(new SamplingOptions(temperature, topK, topP)));
        Assert.Matches("--(temperature|top-k|top-p)", e.Message);
    }
}
