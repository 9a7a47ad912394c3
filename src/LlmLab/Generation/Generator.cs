using System.Diagnostics;
using LlmLab.Backends;
using LlmLab.Models;

namespace LlmLab.Generation;

/// <summary>What ended a generation.</summary>
public enum StopReason
{
    /// <summary>An end-of-sequence token was produced.</summary>
    EndOfSequence,
    /// <summary>The token budget was reached.</summary>
    MaxTokens,
    /// <summary>The session's context is full.</summary>
    ContextFull,
}

/// <summary>One generated token as it streams out.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Index">0 for the first new token.</param>
/// <param name="ElapsedMs">Milliseconds since generation started (for the first token: the time to first token).</param>
public sealed record GeneratedToken(int Id, int Index, double ElapsedMs);

/// <summary>Summary of one generation.</summary>
/// <param name="PromptTokens">Prompt length in tokens.</param>
/// <param name="GeneratedIds">New token ids (the eos token included when it stopped the run).</param>
/// <param name="Stop">Why it stopped.</param>
/// <param name="TimeToFirstTokenMs">Prefill plus the first sampling step.</param>
/// <param name="DecodeTokensPerSecond">New tokens after the first, per second of decode time.</param>
/// <param name="TotalMs">Wall time of the whole generation.</param>
public sealed record GenerationResult(int PromptTokens, IReadOnlyList<int> GeneratedIds, StopReason Stop, double TimeToFirstTokenMs, double DecodeTokensPerSecond, double TotalMs);

/// <summary>
/// Streaming text generation for one sequence: prefill the prompt, then decode one token at a time
/// with the KV cache, choosing each with a <see cref="Sampler"/>.
/// </summary>
public sealed class Generator(Transformer model)
{
    /// <summary>The model generating.</summary>
    public Transformer Model { get; } = model;

    /// <summary>Yields new tokens as they are produced; stops on eos, the budget, or a full context.</summary>
    public IEnumerable<GeneratedToken> Stream(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, IReadOnlyCollection<int>? stopIds = null)
    {
        if (prompt.Count == 0) throw new InvalidOptionException("the prompt is empty; give at least one token");
        if (maxNewTokens < 0) throw new InvalidOptionException($"--max-new-tokens {maxNewTokens} must not be negative");
        int context = Math.Min(Model.Config.MaxPositionEmbeddings, prompt.Count + maxNewTokens);
        if (prompt.Count >= context && maxNewTokens > 0)
            throw new InvalidOptionException($"the prompt has {prompt.Count} tokens, filling the model's context of {Model.Config.MaxPositionEmbeddings}");
        return StreamCore(prompt, maxNewTokens, sampling, stopIds ?? Model.EosTokenIds, Math.Max(context, prompt.Count));
    }

    private IEnumerable<GeneratedToken> StreamCore(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, IReadOnlyCollection<int> stopIds, int context)
    {
        var backend = Model.Backend;
        var sampler = new Sampler(sampling);
        var draws = sampling.Seed is { } seed ? new Random(seed) : new Random();
        // Without a repetition penalty the choice runs on the backend (argmax or a draw), so a GPU never copies
        // the logits back; the penalty needs the history, so that case samples on the host.
        bool onDevice = sampling.RepetitionPenalty == 1f;
        var history = new List<int>(prompt);
        using var session = Model.CreateSession(1, context);
        var logits = onDevice ? [] : new float[Model.Config.VocabSize];
        var chosen = new int[1];
        var clock = Stopwatch.StartNew();
        if (onDevice && backend is IQueuedReads queued)
        {
            // The device chooses each token into the ids of the next step, so step n + 1 is queued before the host
            // waits for token n; after a stop, the one step queued ahead is dropped.
            void Choose(DeviceTensor logits)
            {
                if (sampling.IsGreedy) backend.Argmax(logits, session.NextTokens);
                else backend.Sample(logits, sampling.Temperature!.Value, sampling.TopK ?? 0, sampling.TopP ?? 1f, [(float)draws.NextDouble()], session.NextTokens);
            }
            if (maxNewTokens == 0) yield break;
            Choose(session.Step(prompt.ToArray())!);
            PendingRead? pending = queued.QueueRead(session.NextTokens), ahead = null;
            try
            {
                for (int i = 0; ; i++)
                {
                    if (i + 1 < maxNewTokens && session.Position + 1 <= context)
                    {
                        Choose(session.StepChosen());
                        ahead = queued.QueueRead(session.NextTokens);
                    }
                    var read = pending!;
                    pending = null;
                    read.Complete(chosen);
                    int id = chosen[0];
                    history.Add(id);
                    yield return new GeneratedToken(id, i, clock.Elapsed.TotalMilliseconds);
                    if (ahead is null || stopIds.Contains(id)) yield break;
                    (pending, ahead) = (ahead, null);
                }
            }
            finally
            {
                // A step still queued (after a stop, or when the caller stops early) finishes before the session is freed.
                pending?.Complete(chosen);
                ahead?.Complete(chosen);
            }
        }
        int[] next = prompt.ToArray();
        for (int i = 0; i < maxNewTokens; i++)
        {
            var output = session.Step(next)!;
            int id;
            if (!onDevice)
            {
                backend.Read(output, logits);
                id = sampler.Next(logits, history);
            }
            else
            {
                if (sampling.IsGreedy) backend.Argmax(output, session.NextTokens);
                else backend.Sample(output, sampling.Temperature!.Value, sampling.TopK ?? 0, sampling.TopP ?? 1f, [(float)draws.NextDouble()], session.NextTokens);
                backend.Read(session.NextTokens, chosen);
                id = chosen[0];
            }
            history.Add(id);
            yield return new GeneratedToken(id, i, clock.Elapsed.TotalMilliseconds);
            if (stopIds.Contains(id) || session.Position + 1 > context) yield break;
            next = [id];
        }
    }

    /// <summary>Runs <see cref="Stream"/> to the end and summarises it; <paramref name="onToken"/> sees each token as it comes.</summary>
    public GenerationResult Generate(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, Action<GeneratedToken>? onToken = null, IReadOnlyCollection<int>? stopIds = null)
    {
        var stops = stopIds ?? Model.EosTokenIds;
        var ids = new List<int>();
        double first = 0, last = 0;
        foreach (var token in Stream(prompt, maxNewTokens, sampling, stops))
        {
            if (token.Index == 0) first = token.ElapsedMs;
            last = token.ElapsedMs;
            ids.Add(token.Id);
            onToken?.Invoke(token);
        }
        var stop = ids.Count > 0 && stops.Contains(ids[^1]) ? StopReason.EndOfSequence
            : ids.Count < maxNewTokens ? StopReason.ContextFull : StopReason.MaxTokens;
        double decodeTps = ids.Count > 1 ? (ids.Count - 1) / ((last - first) / 1000) : 0;
        return new GenerationResult(prompt.Count, ids, stop, first, decodeTps, last);
    }
}
