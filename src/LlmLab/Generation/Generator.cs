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
/// Streaming text generation for one sequence: the session's decode loop (<see cref="InferenceSession.Decode"/>) with
/// the model's stop tokens and a context sized to the prompt and the budget.
/// </summary>
public sealed class Generator(Transformer model)
{
    /// <summary>The model generating.</summary>
    public Transformer Model { get; } = model;

    /// <summary>Yields new tokens as they are produced; stops on eos, the budget, or a full context.</summary>
    public IEnumerable<GeneratedToken> Stream(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, IReadOnlyCollection<int>? stopIds = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampling);
        sampling.Validate();
        if (prompt.Count == 0) throw new InvalidOptionException("the prompt is empty; give at least one token");
        if (maxNewTokens < 0) throw new InvalidOptionException($"--max-new-tokens {maxNewTokens} must not be negative");
        int context = Math.Min(Model.Config.MaxPositionEmbeddings, prompt.Count + maxNewTokens);
        if (prompt.Count >= context && maxNewTokens > 0)
            throw new InvalidOptionException($"the prompt has {prompt.Count} tokens, filling the model's context of {Model.Config.MaxPositionEmbeddings}");
        return StreamCore(prompt, maxNewTokens, sampling, stopIds ?? Model.EosTokenIds, Math.Max(context, prompt.Count));
    }

    private IEnumerable<GeneratedToken> StreamCore(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, IReadOnlyCollection<int> stopIds, int context)
    {
        using var session = Model.CreateSession(1, context);
        foreach (var step in session.Decode(prompt, maxNewTokens, sampling))
        {
            int id = step.Ids[0];
            yield return new GeneratedToken(id, step.Index, step.ElapsedMs);
            if (stopIds.Contains(id)) yield break;
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
