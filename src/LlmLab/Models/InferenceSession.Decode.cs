using LlmLab.Backends;
using LlmLab.Generation;

namespace LlmLab.Models;

// The decode loop: the one place tokens are chosen and read back, for generation, the benchmark and the notebooks.
public sealed partial class InferenceSession
{
    /// <summary>
    /// Prefills <paramref name="prompt"/> (batch × n ids, sequence-major) after the cached context and decodes up to
    /// <paramref name="maxNewTokens"/> tokens per sequence, yielding each step's tokens as the host receives them. Each
    /// token is chosen on the device from the step's logits by <paramref name="sampling"/> (repetition penalty over the
    /// prompt and the tokens so far, then argmax or <see cref="IBackend.Sample"/>) and fed back as the next step's input.
    /// The loop ends at the budget, when the context is full, or when the caller stops enumerating (on an
    /// end-of-sequence token, say).
    /// </summary>
    /// <remarks>
    /// On a backend with <see cref="IQueuedReads"/> (a GPU) step n + 1 is queued before the host waits for token n, so the
    /// device never idles while a token is read back; elsewhere (the CPU, which computes as it is called) each step runs and
    /// then its token is read. Either way <see cref="DecodedTokens.ElapsedMs"/> is when the host had the token, read from
    /// <paramref name="clock"/> (the system's by default).
    /// </remarks>
    public IEnumerable<DecodedTokens> Decode(IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampling);
        sampling.Validate();
        if (prompt.Count == 0 || prompt.Count % Batch != 0)
            throw new InvalidOptionException($"a prompt of {prompt.Count} tokens cannot be split into {Batch} equal, non-empty sequences");
        if (maxNewTokens < 0) throw new InvalidOptionException($"--max-new-tokens {maxNewTokens} must not be negative");
        if (Position + prompt.Count / Batch > MaxSequence)
            throw new InvalidOptionException($"{Position + prompt.Count / Batch} tokens exceed the session's context of {MaxSequence}; create the session with a larger context");
        return DecodeCore(prompt.ToArray(), maxNewTokens, sampling, clock ?? TimeProvider.System);
    }

    private IEnumerable<DecodedTokens> DecodeCore(int[] prompt, int maxNewTokens, SamplingOptions sampling, TimeProvider clock)
    {
        if (maxNewTokens == 0) yield break;
        var backend = _model.Backend;
        using var chooser = new TokenChooser(this, sampling, prompt);
        long start = clock.GetTimestamp();
        double ElapsedMs() => clock.GetElapsedTime(start).TotalMilliseconds;
        chooser.Choose(Step(prompt)!, afterDecodeStep: false);
        // Another token follows token `index` while the budget and the context allow.
        bool Continues(int index) => index + 1 < maxNewTokens && Position + 1 <= MaxSequence;
        if (backend is IQueuedReads queued && Batch <= PendingRead.MaxValues)
        {
            PendingRead? pending = queued.QueueRead(NextTokens), ahead = null;
            try
            {
                for (int i = 0; ; i++)
                {
                    if (Continues(i))
                    {
                        chooser.Choose(StepChosen(), afterDecodeStep: true);
                        ahead = queued.QueueRead(NextTokens);
                    }
                    var ids = new int[Batch];
                    var read = pending!;
                    pending = null;
                    read.Complete(ids);
                    yield return new DecodedTokens(i, ids, ElapsedMs());
                    if (ahead is null) yield break;
                    (pending, ahead) = (ahead, null);
                }
            }
            finally
            {
                // A step still queued (the caller stopped early, or an error) finishes before the session's buffers are reused.
                var dropped = new int[Batch];
                pending?.Complete(dropped);
                ahead?.Complete(dropped);
            }
        }
        else
        {
            for (int i = 0; ; i++)
            {
                var ids = new int[Batch];
                backend.Read(NextTokens, ids);
                yield return new DecodedTokens(i, ids, ElapsedMs());
                if (!Continues(i)) yield break;
                chooser.Choose(StepChosen(), afterDecodeStep: true);
            }
        }
    }
}
