using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.Models;

namespace LlmLab.Tests.Generation;

public sealed class TextGeneratorTests
{
    [Fact]
    public void Greedy_text_of_the_jury_said_is_the_reference_continuation_without_the_end_of_sequence_token()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var pieces = new List<string>();

        var text = TextGenerator.ForModel(model).Generate("The jury said", 40, SamplingOptions.Greedy, pieces.Add);

        // Reference greedy ids start [14 ("."), 0 (<|endoftext|>, the eos)].
        Assert.Equal(".", text.Completion);
        Assert.Equal(string.Concat(pieces), text.Completion);
        Assert.Equal((2, StopReason.EndOfSequence, "cpu"), (text.NewTokens, text.Stop, text.Device));
        Assert.Equal("The jury said", text.Prompt);
    }

    [Fact]
    public void Sampled_text_with_a_seed_is_the_same_on_every_run_and_stops_at_the_budget()
    {
        using var model = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        var generator = TextGenerator.ForModel(model);
        var sampling = new SamplingOptions(Temperature: 0.8f, TopK: 40, Seed: 2);

        var first = generator.Generate("The committee reported that", 12, sampling);
        var second = generator.Generate("The committee reported that", 12, sampling);

        Assert.Equal(first.Completion, second.Completion);
        Assert.Equal((12, StopReason.MaxTokens), (first.NewTokens, first.Stop));
        Assert.True(first.DecodeTokensPerSecond > 0 && first.TimeToFirstTokenMs > 0);
    }

    [Fact]
    public void A_model_folder_without_a_tokenizer_is_an_error_naming_the_file()
    {
        // The llama-tiny fixture is weights and configs only.
        using var model = Transformer.Load(Fixtures.Model("llama-tiny"), new CpuBackend());

        Rejection.Expect<InvalidCheckpointException>(() => TextGenerator.ForModel(model), "tokenizer.json", model.ModelPath);
    }
}
