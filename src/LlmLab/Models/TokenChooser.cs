using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// Chooses each sequence's next token on the device, into <see cref="InferenceSession.NextTokens"/>, in transformers'
/// order: the repetition penalty on the logits (<see cref="IBackend.RepetitionPenalty"/>), then argmax or the one
/// threshold sampler every backend implements (<see cref="IBackend.Sample"/>), one uniform draw per sequence from a
/// <see cref="Random"/> seeded by <see cref="SamplingOptions.Seed"/>.
/// </summary>
internal sealed class TokenChooser : IDisposable
{
    private readonly InferenceSession _session;
    private readonly IBackend _backend;
    private readonly SamplingOptions _options;
    private readonly Random _draws;
    private readonly float[] _uniforms;
    private readonly DeviceTensor? _seen;   // (batch, vocab) I32, 1 where the sequence holds the id; only with a penalty

    public TokenChooser(InferenceSession session, SamplingOptions options, int[] prompt)
    {
        _session = session;
        _backend = session.Model.Backend;
        _options = options;
        _draws = options.Seed is { } seed ? new Random(seed) : new Random();
        _uniforms = new float[session.Batch];
        if (options.RepetitionPenalty == 1f) return;
        // The prompt's ids start the history; each decode step adds the id it consumed on the device (see Choose).
        int vocab = session.Model.Config.VocabSize, batch = session.Batch, n = prompt.Length / batch;
        var mask = new int[checked(batch * vocab)];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < n; i++)
            {
                int id = prompt[b * n + i];
                if ((uint)id >= (uint)vocab) throw new InvalidOptionException($"prompt token id {id} is outside the vocabulary of {vocab}");
                mask[b * vocab + id] = 1;
            }
        _seen = _backend.Allocate(DType.I32, batch, vocab);
        try
        {
            _backend.Write(_seen, mask);
        }
        catch
        {
            _seen.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Chooses from <paramref name="logits"/> ([batch, vocab] F32, modified in place by a penalty). After a decode step
    /// (<paramref name="afterDecodeStep"/>) the ids in NextTokens are the ones the step consumed and join the history
    /// first; after the prompt they are prompt ids, already in it.
    /// </summary>
    public void Choose(DeviceTensor logits, bool afterDecodeStep)
    {
        var next = _session.NextTokens;
        if (_seen is not null) _backend.RepetitionPenalty(logits, _seen, afterDecodeStep ? next : null, _options.RepetitionPenalty);
        if (_options.IsGreedy)
        {
            _backend.Argmax(logits, next);
            return;
        }
        for (int r = 0; r < _uniforms.Length; r++) _uniforms[r] = (float)_draws.NextDouble();
        _backend.Sample(logits, _options.Temperature!.Value, _options.TopK ?? 0, _options.TopP ?? 1f, _uniforms, next);
    }

    public void Dispose() => _seen?.Dispose();
}
