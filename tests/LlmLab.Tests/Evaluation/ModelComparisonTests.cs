using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Evaluation;

public sealed class ModelComparisonTests
{
    /// <summary>Chunks of 32 tokens: positions 16..30 of each are scored, 15 per chunk.</summary>
    private const int Ctx = 32;

    private static ComparisonText HeldOut(Transformer model) =>
        ComparisonText.Encode(ModelTokenizer.Load(model.ModelPath), File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt")), "brown-heldout.txt");

    [Fact]
    public void A_model_compared_with_itself_has_zero_kld_the_same_top_token_everywhere_and_a_zero_log_ratio()
    {
        using var a = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var b = Transformer.Load(Fixtures.BrownModel, new CpuBackend());

        var r = ModelComparison.Run(a, b, HeldOut(a), Ctx, chunks: 3, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((3, 3L * 15), (r.Chunks, r.Tokens));
        Assert.Equal((0.0, 0.0), (r.Kld.Mean, r.Kld.Max));
        Assert.Equal(1.0, r.SameTopFraction);
        Assert.Equal(0.0, r.LnPerplexityRatio);
        Assert.Equal(r.Base.Perplexity, r.Model.Perplexity);
    }

    [Fact]
    public void The_base_perplexity_scores_positions_half_to_ctx_minus_two_of_each_chunk_predicting_the_next_token()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var text = HeldOut(model);
        const int Chunks = 2, First = Ctx / 2;

        var r = ModelComparison.Run(model, model, text, Ctx, Chunks, cancellationToken: TestContext.Current.CancellationToken);

        // Independently: each chunk in one pass with logits at every position, NLL of token j+1 at positions j = 16..30.
        double nll = 0;
        int count = 0;
        var logProbs = new double[model.Config.VocabSize];
        for (int c = 0; c < Chunks; c++)
        {
            using var session = model.CreateSession(1, Ctx, Ctx);
            var ids = text.Tokens.Skip(c * Ctx).Take(Ctx).ToArray();
            var logits = session.StepToHost(ids, LogitsFor.AllPositions);
            for (int j = First; j <= Ctx - 2; j++, count++)
            {
                LogitComparison.LogSoftmax(logits.AsSpan(j * model.Config.VocabSize, model.Config.VocabSize), logProbs);
                nll -= logProbs[ids[j + 1]];
            }
        }
        Assert.Equal(count, r.Tokens);
        Assert.Equal(nll / count, r.Base.MeanNll, 1e-5);
    }

    [Fact]
    public void The_embedded_bf16_model_and_its_f32_copy_give_identical_distributions_on_the_cpu()
    {
        // bf16 → f32 widening is exact and the CPU computes in fp32 from either format (the same tiled kernel for
        // prefill rows), so the copy's logits are the original's bit for bit.
        using var bf16 = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var f32 = Transformer.Load(ModelCopies.BrownF32, new CpuBackend());

        var r = ModelComparison.Run(bf16, f32, HeldOut(bf16), Ctx, chunks: 4, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0.0, r.Kld.Max);
        Assert.Equal(1.0, r.SameTopFraction);
    }

    [Fact]
    public void The_embedded_model_against_an_f16_copy_has_a_tiny_positive_kld_and_the_same_top_token()
    {
        using var bf16 = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var f16 = Transformer.Load(ModelCopies.BrownF16, new CpuBackend());

        var r = ModelComparison.Run(bf16, f16, HeldOut(bf16), Ctx, chunks: 4, cancellationToken: TestContext.Current.CancellationToken);

        Assert.InRange(r.Kld.Mean, 1e-15, 1e-5);
        Assert.True(r.SameTopFraction >= 0.98, $"same top {r.SameTopFraction}");
        Assert.InRange(Math.Abs(r.LnPerplexityRatio), 0, 1e-3);
    }

    [Fact]
    public void Models_with_different_vocabularies_are_rejected_naming_both()
    {
        using var brown = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var tiny = Transformer.Load(Fixtures.Model("llama-tiny"), new CpuBackend());

        var e = Assert.Throws<InvalidOptionException>(() => ModelComparison.Run(brown, tiny, HeldOut(brown), Ctx, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"the base model {brown.ModelPath} has a vocabulary of 4096 tokens but the model {tiny.ModelPath} has 512", e.Message);
    }

    [Fact]
    public void A_text_shorter_than_one_chunk_is_rejected_with_the_tokens_it_needs()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var text = new ComparisonText("short.txt", new int[100], null);

        var e = Assert.Throws<InvalidOptionException>(() => ModelComparison.Run(model, model, text, 128, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("short.txt encodes to 100 tokens but one chunk of --ctx 128 needs 128; use a longer text or a smaller --ctx", e.Message);
    }

    [Fact]
    public void More_chunks_than_the_text_holds_are_capped_to_those_that_fit_as_llama_perplexity_does()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var text = new ComparisonText("ids", Enumerable.Range(1, 100).ToArray(), null);

        var r = ModelComparison.Run(model, model, text, Ctx, chunks: 50, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((3, 100L), (r.Chunks, r.TextTokens));
    }

    [Fact]
    public void A_context_below_three_tokens_scores_nothing_and_is_rejected()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var text = new ComparisonText("ids", new int[64], null);

        var e = Assert.Throws<InvalidOptionException>(() => ModelComparison.Run(model, model, text, 2, cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith("--ctx 2 scores no position", e.Message);
    }

    [Fact]
    public void A_tokenizer_whose_post_processor_adds_bos_puts_it_first_in_every_chunk()
    {
        var sp = Tokenizer.FromFile(Path.Combine(Fixtures.Tokenizer("sp32k"), "tokenizer.json"));
        var text = ComparisonText.Encode(sp, "The jury said it did find that the city had been ably handled.", "jury");
        var input = new int[4];

        ModelComparison.ChunkInput(text, 1, 4, input);

        Assert.Equal(sp.TokenToId("<s>"), text.BosTokenId);
        Assert.Equal(text.BosTokenId, text.Tokens[0]);
        Assert.Equal([text.BosTokenId!.Value, text.Tokens[5], text.Tokens[6], text.Tokens[7]], input);
    }

    [Fact]
    public void A_tokenizer_that_adds_no_bos_leaves_the_chunks_as_the_text_encodes()
    {
        var brown = ModelTokenizer.Load(Fixtures.BrownModel);
        var text = ComparisonText.Encode(brown, "The jury said it did find that the city had been ably handled.", "jury");
        var input = new int[4];

        ModelComparison.ChunkInput(text, 1, 4, input);

        Assert.Null(text.BosTokenId);
        Assert.Equal(text.Tokens.Skip(4).Take(4), input);
    }
}
