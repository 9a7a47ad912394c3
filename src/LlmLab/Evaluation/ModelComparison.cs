using System.Diagnostics;
using LlmLab.Models;

namespace LlmLab.Evaluation;

/// <summary>
/// Compares a model's next-token distributions with a base model's over one text, as
/// <c>llama-perplexity --kl-divergence</c> does (tools/perplexity/perplexity.cpp): the tokens are cut into
/// consecutive chunks of <c>ctx</c>, each chunk's first token is replaced by BOS when the tokenizer adds one, each
/// chunk is run from an empty cache, and the positions ctx/2 … ctx−2 are scored, each predicting the token after it,
/// so every prediction has at least ctx/2 tokens of context.
/// </summary>
/// <remarks>
/// Both models run chunk by chunk, in turn: only one chunk's logits of each (ctx − ctx/2 rows × vocab, fp32) are
/// held at a time, never the whole text's. The first half of a chunk is prefilled without logits, as llama-perplexity
/// asks logits only for positions ≥ ctx/2.
/// </remarks>
public static class ModelComparison
{
    /// <summary>Tokens per chunk when none is given: llama-perplexity's default <c>-c 512</c>.</summary>
    public const int DefaultContext = 512;

    /// <summary>The smallest chunk that scores a position: positions ctx/2 … ctx−2 are empty below 3 tokens.</summary>
    public const int MinContext = 3;

    /// <summary>
    /// Runs both models over <paramref name="text"/> and returns the statistics. <paramref name="chunks"/> limits the
    /// chunks (default: all that fit, as llama-perplexity; more than fit are capped as it does).
    /// <paramref name="progress"/> hears after each chunk.
    /// </summary>
    /// <exception cref="InvalidOptionException">
    /// The vocabularies differ, the text holds ids outside them, <paramref name="context"/> is below
    /// <see cref="MinContext"/> or above a model's context, <paramref name="chunks"/> is below 1, or the text is
    /// shorter than one chunk.
    /// </exception>
    public static CompareResult Run(Transformer baseModel, Transformer model, ComparisonText text, int context = DefaultContext, int? chunks = null,
        IProgress<CompareProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(text);
        int vocab = baseModel.Config.VocabSize;
        if (model.Config.VocabSize != vocab)
            throw new InvalidOptionException($"the base model {baseModel.ModelPath} has a vocabulary of {vocab} tokens but the model {model.ModelPath} has {model.Config.VocabSize}; " +
                "KL divergence compares distributions over the same tokens, so compare models that share a tokenizer");
        int chunkCount = ChunksToRun(baseModel, model, text, context, chunks);
        if (text.Tokens.Take(chunkCount * context).FirstOrDefault(t => t < 0 || t >= vocab, -1) is var bad and >= 0)
            throw new InvalidOptionException($"{text.Source} encodes to token {bad}, outside the models' vocabulary of {vocab}; use the models' own tokenizer");

        int first = context / 2, scored = context - 1 - first;
        var clock = Stopwatch.StartNew();
        var accumulator = new KldAccumulator(vocab);
        using var baseSession = baseModel.CreateSession(1, context, context - first);
        using var modelSession = model.CreateSession(1, context, context - first);
        var input = new int[context];
        var next = new int[scored];
        for (int c = 0; c < chunkCount; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ChunkInput(text, c, context, input);
            // Row r of the logits is position first + r; it predicts the text's token after it (never the BOS swapped in at 0).
            for (int r = 0; r < scored; r++) next[r] = text.Tokens[c * context + first + r + 1];
            var baseLogits = ScoredLogits(baseSession, input, first);
            var modelLogits = ScoredLogits(modelSession, input, first);
            accumulator.Add(baseLogits.AsSpan(0, scored * vocab), modelLogits.AsSpan(0, scored * vocab), next);
            progress?.Report(new CompareProgress(c + 1, chunkCount));
        }

        return accumulator.ToResult(new ComparedModelIdentity(baseModel.ModelPath, baseModel.Backend.Device), new ComparedModelIdentity(model.ModelPath, model.Backend.Device),
            text, context, chunkCount, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Chunks of <paramref name="context"/> tokens the run evaluates, after checking the options against the text and models.</summary>
    private static int ChunksToRun(Transformer baseModel, Transformer model, ComparisonText text, int context, int? chunks)
    {
        if (context < MinContext)
            throw new InvalidOptionException($"--ctx {context} scores no position: a chunk of N tokens scores positions N/2..N-2, so N must be at least {MinContext}");
        foreach (var m in new[] { baseModel, model })
            if (context > m.Config.MaxPositionEmbeddings)
                throw new InvalidOptionException($"--ctx {context} exceeds the context of {m.ModelPath} ({m.Config.MaxPositionEmbeddings} tokens, max_position_embeddings); use a smaller --ctx");
        if (chunks < 1) throw new InvalidOptionException($"--chunks {chunks} must be at least 1");
        int available = text.Tokens.Count / context;
        if (available == 0)
            throw new InvalidOptionException($"{text.Source} encodes to {text.Tokens.Count} tokens but one chunk of --ctx {context} needs {context}; use a longer text or a smaller --ctx");
        return Math.Min(chunks ?? available, available);
    }

    /// <summary>Chunk <paramref name="index"/>'s tokens, its first replaced by the BOS when the tokenizer adds one.</summary>
    internal static void ChunkInput(ComparisonText text, int index, int context, Span<int> input)
    {
        for (int i = 0; i < context; i++) input[i] = text.Tokens[index * context + i];
        if (text.BosTokenId is { } bos) input[0] = bos;
    }

    /// <summary>
    /// Runs one chunk from an empty cache: positions 0 … first−1 without logits, then the rest with all logits
    /// ([context − first, vocab]: row r is position first + r).
    /// </summary>
    private static float[] ScoredLogits(InferenceSession session, int[] input, int first)
    {
        session.Reset();
        session.Step(input.AsSpan(0, first), LogitsFor.None);
        return session.StepToHost(input.AsSpan(first), LogitsFor.AllPositions);
    }
}
