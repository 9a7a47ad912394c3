using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Generation;

/// <summary>
/// The repetition penalty as a logits op (IBackend.RepetitionPenalty) before the one sampler. Reference: transformers'
/// <c>RepetitionPenaltyLogitsProcessor.__call__</c> (generation/logits_process.py), written out below step for step:
/// <c>score = torch.gather(scores, 1, input_ids)</c>; <c>score = torch.where(score &lt; 0, score * penalty, score / penalty)</c>;
/// <c>scores.scatter(1, input_ids, score)</c>.
/// </summary>
public sealed class RepetitionPenaltyTests
{
    /// <summary>transformers' rule over one row: gather the previous ids' scores, penalise them, scatter them back.</summary>
    private static float[] TransformersPenalty(float[] scores, IReadOnlyList<int> inputIds, float penalty)
    {
        var gathered = inputIds.Select(id => scores[id]).ToArray();
        var score = gathered.Select(s => s < 0 ? s * penalty : s / penalty).ToArray();
        var result = (float[])scores.Clone();
        for (int i = 0; i < inputIds.Count; i++) result[inputIds[i]] = score[i];
        return result;
    }

    private static (float[] Logits, int[] Seen) ApplyOnCpu(float[] logits, int[] seenIds, int? consumed, float penalty)
    {
        using var cpu = new CpuBackend();
        using var l = cpu.Allocate(DType.F32, 1, logits.Length);
        using var seen = cpu.Allocate(DType.I32, 1, logits.Length);
        using var ids = cpu.Allocate(DType.I32, 1, 1);
        logits.CopyTo(((CpuTensor)l).FloatSpan);
        var mask = new int[logits.Length];
        foreach (int id in seenIds) mask[id] = 1;
        cpu.Write(seen, mask);
        if (consumed is { } c) cpu.Write(ids, [c]);
        cpu.RepetitionPenalty(l, seen, consumed is null ? null : ids, penalty);
        var (outLogits, outSeen) = (new float[logits.Length], new int[logits.Length]);
        cpu.Read(l, outLogits);
        cpu.Read(seen, outSeen);
        return (outLogits, outSeen);
    }

    [Fact]
    public void A_seen_positive_logit_is_divided_and_a_seen_negative_one_multiplied()
    {
        // Id 1 (3.0) and id 2 (−2.0, seen twice) with penalty 2: 1.5 and −4.0 once each; id 4 (2.9) becomes the argmax.
        var (logits, _) = ApplyOnCpu([1f, 3f, -2f, 0.5f, 2.9f], [1, 2, 2], null, 2f);
        Assert.Equal([1f, 1.5f, -4f, 0.5f, 2.9f], logits);
    }

    [Theory]
    [InlineData(1.3f, 1)]
    [InlineData(0.8f, 2)]
    [InlineData(2.5f, 3)]
    public void The_cpu_op_equals_the_transformers_rule_over_the_distinct_previous_tokens(float penalty, int seed)
    {
        var random = new Random(seed);
        const int vocab = 500;
        var scores = Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        // A history with repeats, as a real sequence has; the last id arrives as the step's consumed token.
        var history = Enumerable.Range(0, 60).Select(_ => random.Next(vocab / 4)).ToArray();

        var (logits, seen) = ApplyOnCpu(scores, history[..^1], history[^1], penalty);

        Assert.Equal(TransformersPenalty(scores, history, penalty), logits);
        Assert.Equal(1, seen[history[^1]]);
        Assert.Equal(history.Distinct().Count(), seen.Count(s => s != 0));
    }

    [Theory]
    [InlineData(0.8f, 40, 0.95f, 1.3f, 7)]
    [InlineData(1.2f, 0, 1f, 1.8f, 3)]
    [InlineData(null, null, null, 1.5f, null)]
    public void Generation_with_a_penalty_equals_penalising_the_logits_by_hand_then_sampling(float? temperature, int? topK, float? topP, float penalty, int? seed)
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        int[] prompt = [474, 502, 1145, 553, 474];
        const int n = 16;
        var options = new SamplingOptions(temperature, topK, topP, penalty, seed ?? 0);

        var generated = new Generator(model).Generate(prompt, n, options, stopIds: []).GeneratedIds;

        // By hand: host logits, transformers' rule over prompt + tokens so far, then the backend's sampler (or argmax)
        // with the draws of a Random of the same seed.
        var backend = model.Backend;
        using var session = model.CreateSession(1, prompt.Length + n);
        using var penalised = backend.Allocate(DType.F32, 1, model.Config.VocabSize);
        using var chosen = backend.Allocate(DType.I32, 1, 1);
        var draws = new Random(seed ?? 0);
        var history = new List<int>(prompt);
        var expected = new List<int>();
        int[] input = prompt;
        for (int i = 0; i < n; i++)
        {
            TransformersPenalty(session.StepToHost(input), history, penalty).CopyTo(((CpuTensor)penalised).FloatSpan);
            if (options.IsGreedy) backend.Argmax(penalised, chosen);
            else backend.Sample(penalised, temperature!.Value, topK ?? 0, topP ?? 1f, [(float)draws.NextDouble()], chosen);
            var id = new int[1];
            backend.Read(chosen, id);
            expected.Add(id[0]);
            history.Add(id[0]);
            input = id;
        }
        var unpenalised = new Generator(model).Generate(prompt, n, options with { RepetitionPenalty = 1f }, stopIds: []).GeneratedIds;

        Assert.Equal(expected, generated);
        Assert.NotEqual(unpenalised, generated); // the penalty changed the continuation, so the comparison is not vacuous
    }

    [Theory]
    [InlineData(-1f, null, null, 1f)]
    [InlineData(1f, -3, null, 1f)]
    [InlineData(1f, null, 1.5f, 1f)]
    [InlineData(1f, null, 0f, 1f)]
    [InlineData(1f, null, null, 0f)]
    public void Out_of_range_options_are_rejected_naming_the_option(float temperature, int? topK, float? topP, float penalty)
    {
        var e = Assert.Throws<InvalidOptionException>(() => new SamplingOptions(temperature, topK, topP, penalty).Validate());
        Assert.Matches("--(temperature|top-k|top-p|repetition-penalty)", e.Message);
    }
}
