using System.Diagnostics;
using LlmLab.Models;

namespace LlmLab.Evaluation;

/// <summary>Result of a perplexity run.</summary>
/// <param name="Windows">Independent windows evaluated.</param>
/// <param name="WindowLength">Tokens per window.</param>
/// <param name="TokensScored">Predictions scored (windows × (window − 1)).</param>
/// <param name="MeanNll">Mean negative log-likelihood in nats.</param>
/// <param name="Perplexity">exp(MeanNll).</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Device">Where it ran.</param>
public sealed record PerplexityResult(int Windows, int WindowLength, long TokensScored, double MeanNll, double Perplexity, double Seconds, string Device);

/// <summary>
/// Perplexity over independent fixed windows: the token stream is cut into <c>windows</c> windows of
/// <c>window</c> tokens, and in each the model predicts tokens 1..window−1 from their prefix (no BOS
/// added, no context carried between windows), which is the protocol of the Brown reference.
/// </summary>
public static class Perplexity
{
    /// <summary>
    /// The reference protocol's token stream: each line of <paramref name="text"/> encoded on its own
    /// (no special tokens added) and followed by the end-of-text token.
    /// </summary>
    public static int[] TokenizeLines(Tokenization.Tokenizer tokenizer, string text, IReadOnlyList<int> eosTokenIds)
    {
        int separator = tokenizer.TokenToId("<|endoftext|>") ?? (eosTokenIds.Count > 0 ? eosTokenIds[0]
            : throw new InvalidOptionException("the model names no end-of-sequence token to separate lines"));
        var tokens = new List<int>();
        foreach (var line in text.Split('\n'))
        {
            string l = line.TrimEnd('\r');
            if (l.Length == 0) continue;
            tokens.AddRange(tokenizer.Encode(l, addSpecialTokens: false));
            tokens.Add(separator);
        }
        return tokens.ToArray();
    }

    /// <summary>Evaluates <paramref name="tokens"/> with windows processed <paramref name="batch"/> at a time.</summary>
    public static PerplexityResult Evaluate(Transformer model, IReadOnlyList<int> tokens, int window, int windows, int batch = 4)
    {
        if (window < 2) throw new InvalidOptionException($"--window {window} must be at least 2 tokens");
        if (windows < 1) throw new InvalidOptionException($"--windows {windows} must be at least 1");
        if (window > model.Config.MaxPositionEmbeddings)
            throw new InvalidOptionException($"--window {window} exceeds the model's context of {model.Config.MaxPositionEmbeddings} tokens");
        if ((long)window * windows > tokens.Count)
            throw new InvalidOptionException($"{windows} windows of {window} tokens need {(long)window * windows} tokens but the text has {tokens.Count}; use fewer windows or more text");
        batch = Math.Clamp(batch, 1, windows);
        int vocab = model.Config.VocabSize;
        var clock = Stopwatch.StartNew();
        double nll = 0;
        long scored = 0;
        var logProbs = new double[vocab];
        for (int first = 0; first < windows; first += batch)
        {
            int b = Math.Min(batch, windows - first);
            using var session = model.CreateSession(b, window, window);
            var ids = new int[b * window];
            for (int i = 0; i < ids.Length; i++) ids[i] = tokens[first * window + i];
            var logits = session.StepToHost(ids, LogitsFor.AllPositions);
            for (int s = 0; s < b; s++)
                for (int t = 0; t + 1 < window; t++)
                {
                    int row = s * window + t;
                    LogitComparison.LogSoftmax(logits.AsSpan(row * vocab, vocab), logProbs);
                    nll -= logProbs[ids[row + 1]];
                    scored++;
                }
        }
        double mean = nll / scored;
        return new PerplexityResult(windows, window, scored, mean, Math.Exp(mean), clock.Elapsed.TotalSeconds, model.Backend.Device);
    }
}
