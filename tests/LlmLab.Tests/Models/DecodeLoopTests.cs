using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Tests.Models;

/// <summary>
/// The session's decode loop (InferenceSession.Decode) as generation and the benchmark run it: on a backend without
/// queued reads (the CPU) each token must reach the caller as soon as its own step is done — not one step late, as
/// when the CPU ran the loop pipelined for GPUs and the first inter-token sample covered two steps and the last none.
/// </summary>
public sealed class DecodeLoopTests
{
    private static readonly int[] Prompt = [474, 502, 1145, 553];

    [Fact]
    public void On_the_cpu_each_token_reaches_the_caller_after_exactly_its_own_step()
    {
        var backend = new TimedChoiceBackend(new CpuBackend(), TimeSpan.Zero);
        using var model = Transformer.Load(Fixtures.BrownModel, backend);
        using var session = model.CreateSession(1, 32);

        var choicesSeen = session.Decode(Prompt, 8, SamplingOptions.Greedy).Select(_ => backend.Choices).ToArray();

        // Token i (0 from the prompt's logits) is known once i + 1 tokens have been chosen, and no later step has run.
        Assert.Equal(Enumerable.Range(1, 8), choicesSeen);
    }

    [Fact]
    public void The_loop_gives_the_tokens_of_steps_run_one_by_one()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var session = model.CreateSession(1, 32);
        var expected = new List<int>();
        int[] input = Prompt;
        for (int i = 0; i < 8; i++)
        {
            var logits = session.StepToHost(input);
            input = [System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits)];
            expected.Add(input[0]);
        }
        session.Reset();

        var decoded = session.Decode(Prompt, 8, SamplingOptions.Greedy).Select(t => t.Ids[0]).ToArray();

        Assert.Equal(expected, decoded);
    }

    [Fact]
    public void Every_bench_inter_token_sample_on_the_cpu_spans_exactly_one_step()
    {
        // Timed by a clock that advances one step cost per chosen token: the pipelined loop on the CPU gave two step
        // costs for the first sample of each repetition and zero for the last.
        var backend = new TimedChoiceBackend(new CpuBackend(), TimeSpan.Zero);
        using var model = Transformer.Load(Fixtures.BrownModel, backend);

        var result = Benchmark.Run(model, new BenchOptions(PromptTokens: 4, NewTokens: 6, Repetitions: 3, Warmup: 1), clock: backend.Clock);

        double step = TimedChoiceBackend.StepCost.TotalMilliseconds;
        Assert.Equal(Enumerable.Repeat(step, 3 * (6 - 1)), result.InterTokenSamplesMs!);
        Assert.Equal(step, result.TtftMs);
    }

    [Fact]
    public void No_bench_inter_token_sample_on_the_cpu_is_shorter_than_a_step_in_real_time()
    {
        // Each choice takes at least 20 ms of wall time here, so every real sample is at least that (a loop that read a
        // token without running its step, as the last one of a pipelined repetition on the CPU, gave ~0 ms).
        var step = TimeSpan.FromMilliseconds(20);
        using var model = Transformer.Load(Fixtures.BrownModel, new TimedChoiceBackend(new CpuBackend(), step));

        var result = Benchmark.Run(model, new BenchOptions(PromptTokens: 4, NewTokens: 5, Repetitions: 2, Warmup: 0));

        var samples = result.InterTokenSamplesMs!;
        Assert.Equal(2 * (5 - 1), samples.Count);
        Assert.All(samples, s => Assert.True(s >= step.TotalMilliseconds, $"{s:F3} ms < one step of {step.TotalMilliseconds} ms"));
    }

    [Fact]
    public void Stopping_early_leaves_the_session_usable()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var session = model.CreateSession(1, 32);

        var firstTwo = session.Decode(Prompt, 8, SamplingOptions.Greedy).Take(2).Select(t => t.Ids[0]).ToArray();
        session.Reset();
        var again = session.Decode(Prompt, 2, SamplingOptions.Greedy).Select(t => t.Ids[0]).ToArray();

        Assert.Equal(firstTwo, again);
    }

    [Fact]
    public void A_prompt_that_does_not_split_into_the_batch_is_refused()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var session = model.CreateSession(2, 32);
        var e = Assert.Throws<InvalidOptionException>(() => session.Decode([1, 2, 3], 4, SamplingOptions.Greedy));
        Assert.Contains("2 equal", e.Message);
    }
}
