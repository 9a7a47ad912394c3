using System.Text.Json;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Evaluation;

public sealed class PerplexityTests
{
    [Fact]
    public void Brown_model_perplexity_on_held_out_text_is_within_a_tenth_of_a_percent_of_pytorch()
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "brown-llama-7m", "reference.json")));
        double expected = reference.RootElement.GetProperty("perplexity").GetDouble();
        int window = reference.RootElement.GetProperty("window").GetInt32();
        int windows = reference.RootElement.GetProperty("heldout_windows").GetInt32();
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var tokenizer = Tokenizer.FromFile(Path.Combine(Fixtures.BrownModel, "tokenizer.json"));
        var tokens = Perplexity.TokenizeLines(tokenizer, File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt")), model.EosTokenIds);

        var result = Perplexity.Evaluate(model, tokens, window, windows, batch: 8);

        Assert.True(Math.Abs(result.Perplexity - expected) / expected < 0.001, $"perplexity {result.Perplexity:F4}, reference {expected:F4}");
    }

    [Fact]
    public void Too_few_tokens_for_the_windows_is_rejected_with_the_counts()
    {
        using var model = Transformer.Load(Fixtures.Model("llama-tiny"), new CpuBackend());
        var e = Assert.Throws<InvalidOptionException>(() => Perplexity.Evaluate(model, new int[100], 64, 2));
        Assert.Contains("need 128 tokens but the text has 100", e.Message);
    }
}

public sealed class LogitComparisonTests
{
    [Fact]
    public void Identical_logits_have_zero_error_and_full_agreement()
    {
        float[] a = [1, 2, 3, 0, -1, 4];
        var c = LogitComparison.Compare(a, a, 3);
        Assert.Equal((0.0, 0.0, 1.0), (c.Nmse, c.MeanKlDivergence, c.Top1Agreement));
    }

    [Fact]
    public void Nmse_kl_and_top1_follow_their_definitions()
    {
        float[] reference = [0, 0, 1], actual = [0, 1, 0];
        var c = LogitComparison.Compare(actual, reference, 3);
        // Σ(a−r)² / Σr² = 2 / 1; argmax differs; KL(p_r‖p_a) = Σ p_r (log p_r − log p_a).
        double z = Math.Log(2 + Math.E);
        double[] pr = [-z, -z, 1 - z], pa = [-z, 1 - z, -z];
        double kl = Enumerable.Range(0, 3).Sum(i => Math.Exp(pr[i]) * (pr[i] - pa[i]));
        Assert.Equal(2.0, c.Nmse, 12);
        Assert.Equal(0.0, c.Top1Agreement);
        Assert.Equal(kl, c.MeanKlDivergence, 9);
    }
}
