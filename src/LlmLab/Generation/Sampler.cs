using System.Numerics.Tensors;

namespace LlmLab.Generation;

/// <summary>Chooses the next token from one row of logits (see <see cref="SamplingOptions"/>).</summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;
    private float[] _scratch = [];
    private int[] _order = [];

    /// <summary>Creates a sampler; the seed makes draws reproducible.</summary>
    public Sampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
    }

    /// <summary>Picks a token from <paramref name="logits"/> given the ids seen so far (for the repetition penalty).</summary>
    public int Next(ReadOnlySpan<float> logits, IReadOnlyCollection<int> previous)
    {
        if (_scratch.Length != logits.Length) { _scratch = new float[logits.Length]; _order = new int[logits.Length]; }
        var x = _scratch.AsSpan();
        logits.CopyTo(x);
        if (_options.RepetitionPenalty != 1f)
            foreach (int id in previous.Distinct())
                if ((uint)id < (uint)x.Length) x[id] = x[id] < 0 ? x[id] * _options.RepetitionPenalty : x[id] / _options.RepetitionPenalty;
        if (_options.IsGreedy) return TensorPrimitives.IndexOfMax(x);

        TensorPrimitives.Divide(x, _options.Temperature!.Value, x);
        // Sort ids by logit once; top-k and top-p then cut a prefix of that order.
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        var keys = x.ToArray();
        Array.Sort(keys, _order, Comparer<float>.Create((a, b) => b.CompareTo(a)));
        int keep = _order.Length;
        if (_options.TopK is > 0 and var k) keep = Math.Min(keep, k);
        // Softmax over the kept prefix (descending), then the nucleus: smallest prefix with mass ≥ p.
        var probs = new double[keep];
        double max = keys[0], sum = 0;
        for (int i = 0; i < keep; i++) { probs[i] = Math.Exp(keys[i] - max); sum += probs[i]; }
        if (_options.TopP is { } p && p < 1)
        {
            double cumulative = 0;
            for (int i = 0; i < keep; i++)
            {
                cumulative += probs[i] / sum;
                if (cumulative >= p) { keep = i + 1; break; }
            }
            sum = 0;
            for (int i = 0; i < keep; i++) sum += probs[i];
        }
        double draw = _random.NextDouble() * sum;
        for (int i = 0; i < keep; i++)
        {
            draw -= probs[i];
            if (draw <= 0) return _order[i];
        }
        return _order[keep - 1];
    }
}
