using System.Text.Json;
using LlmLab.Backends.Cpu;
using LlmLab.Formats;
using LlmLab.Generation;
using LlmLab.Models;

namespace LlmLab.Tests.Generation;

public sealed class GreedyTests
{
    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Greedy_continuation_equals_pytorch_greedy_ids(string model)
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model(model), "expected.safetensors"));
        var input = expected.Tensor("input_ids");
        int length = (int)input.Shape[1];
        var prompt = input.ToInt64Array().Take(length).Select(v => (int)v).ToArray();
        var greedy = expected.Tensor("greedy_ids").ToInt64Array().Select(v => (int)v).ToArray();

        using var transformer = Transformer.Load(Fixtures.Model(model), new CpuBackend());
        var result = new Generator(transformer).Generate(prompt, greedy.Length, SamplingOptions.Greedy, stopIds: []);

        Assert.Equal(greedy, result.GeneratedIds);
    }

    [Fact]
    public void Brown_model_greedy_continuation_of_the_jury_said_equals_reference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "brown-llama-7m", "reference.json")));
        var prompt = doc.RootElement.GetProperty("greedy_prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var greedy = doc.RootElement.GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var result = new Generator(transformer).Generate(prompt, greedy.Length, SamplingOptions.Greedy, stopIds: []);

        Assert.Equal(greedy, result.GeneratedIds);
    }

    [Fact]
    public void Generation_stops_at_the_first_eos_token()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "brown-llama-7m", "reference.json")));
        var prompt = doc.RootElement.GetProperty("greedy_prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());

        // The reference continuation's second token is <|endoftext|> (id 0, the model's eos).
        var result = new Generator(transformer).Generate(prompt, 32, SamplingOptions.Greedy);

        Assert.Equal(StopReason.EndOfSequence, result.Stop);
        Assert.Equal([14, 0], result.GeneratedIds);
    }

    [Fact]
    public void Sampled_generation_is_reproducible_with_a_seed_and_top_k_one_is_greedy()
    {
        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        int[] prompt = [474, 502, 1145, 553];
        var generator = new Generator(transformer);

        var a = generator.Generate(prompt, 12, new SamplingOptions(0.9f, 50, 0.95f, Seed: 11), stopIds: []);
        var b = generator.Generate(prompt, 12, new SamplingOptions(0.9f, 50, 0.95f, Seed: 11), stopIds: []);
        var topOne = generator.Generate(prompt, 12, new SamplingOptions(1.5f, 1, Seed: 5), stopIds: []);
        var greedy = generator.Generate(prompt, 12, SamplingOptions.Greedy, stopIds: []);

        Assert.Equal(a.GeneratedIds, b.GeneratedIds);
        Assert.Equal(greedy.GeneratedIds, topOne.GeneratedIds);
    }
}

/// <summary>The pipelined decode API: a step on the ids the device chose.</summary>
public sealed class ChosenStepTests
{
    [Fact]
    public void A_step_on_the_device_chosen_token_equals_a_step_on_the_token_read_back()
    {
        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var backend = transformer.Backend;
        int[] prompt = [474, 502, 1145, 553];
        using var serial = transformer.CreateSession(1, 16);
        using var chosen = transformer.CreateSession(1, 16);

        backend.Argmax(serial.Step(prompt)!, serial.NextTokens);
        var id = new int[1];
        backend.Read(serial.NextTokens, id);
        var expected = serial.StepToHost(id);

        backend.Argmax(chosen.Step(prompt)!, chosen.NextTokens);
        var logits = chosen.StepChosen();
        var actual = new float[logits.Length];
        backend.Read(logits, actual);

        Assert.Equal(expected, actual);
        Assert.Equal(prompt.Length + 1, chosen.Position);
    }

    [Fact]
    public void A_chosen_step_past_the_context_is_refused()
    {
        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var session = transformer.CreateSession(1, 4);
        session.Step([474, 502, 1145, 553]);
        var e = Assert.Throws<InvalidOptionException>(() => session.StepChosen());
        Assert.Contains("context of 4", e.Message);
    }
}

public sealed class ContextLimitTests
{
    [Fact]
    public void Generation_stops_when_the_context_is_full()
    {
        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        int max = transformer.Config.MaxPositionEmbeddings;
        var prompt = Enumerable.Range(0, max - 3).Select(i => 474 + i % 50).ToArray();

        var result = new Generator(transformer).Generate(prompt, 10, SamplingOptions.Greedy, stopIds: []);

        // Three positions are left: the tokens chosen after the prompt and after each of the next two fill them,
        // and the fourth token is chosen but has no position to be fed back at.
        Assert.Equal(StopReason.ContextFull, result.Stop);
        Assert.Equal(4, result.GeneratedIds.Count);
    }
}
