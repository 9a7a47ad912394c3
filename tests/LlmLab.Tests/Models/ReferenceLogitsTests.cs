using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;

namespace LlmLab.Tests.Models;

/// <summary>The CPU decoder against PyTorch logits (fixtures: tests/fixtures/PROVENANCE.md, models/).</summary>
public sealed class ReferenceLogitsTests
{
    internal static int[] InputIds(SafetensorsFile expected) => expected.Tensor("input_ids").ToInt64Array().Select(v => (int)v).ToArray();

    internal static float[] Logits(string model, int[] ids, int batch)
    {
        using var transformer = Transformer.Load(Fixtures.Model(model), new CpuBackend());
        using var session = transformer.CreateSession(batch, ids.Length / batch, ids.Length / batch);
        return session.StepToHost(ids, LogitsFor.AllPositions);
    }

    [Theory]
    [InlineData("llama-tiny-bf16", "llama-tiny")]
    [InlineData("qwen2-tiny-bf16", "qwen2-tiny")]
    public void Bf16_checkpoint_matches_pytorch_fp32_forward_of_its_weights(string model, string expectedDir)
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model(expectedDir), "expected.safetensors"));
        var logits = Logits(model, InputIds(expected), (int)expected.Tensor("input_ids").Shape[0]);
        var cmp = LogitComparison.Compare(logits, expected.Tensor("logits_bf16_weights").ToFloatArray(), 512);
        Assert.True(cmp.Nmse <= 1e-9, $"NMSE {cmp.Nmse:E3} (max abs error {cmp.MaxAbsoluteError:E3})");
        Assert.Equal(1.0, cmp.Top1Agreement);
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Fp32_checkpoint_matches_pytorch_fp32_logits(string model)
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model(model), "expected.safetensors"));
        var logits = Logits(model, InputIds(expected), (int)expected.Tensor("input_ids").Shape[0]);
        var cmp = LogitComparison.Compare(logits, expected.Tensor("logits").ToFloatArray(), 512);
        Assert.True(cmp.Nmse <= 1e-9, $"NMSE {cmp.Nmse:E3}");
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Fp32_checkpoint_has_the_same_argmax_as_pytorch_at_every_position(string model)
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Model(model), "expected.safetensors"));
        var logits = Logits(model, InputIds(expected), (int)expected.Tensor("input_ids").Shape[0]);
        var cmp = LogitComparison.Compare(logits, expected.Tensor("logits").ToFloatArray(), 512);
        Assert.Equal(1.0, cmp.Top1Agreement);
    }

    [Fact]
    public void Brown_model_matches_its_reference_logits_on_two_evaluation_windows()
    {
        using var expected = SafetensorsFile.Open(Path.Combine(Fixtures.Root, "brown-llama-7m", "expected.safetensors"));
        var ids = InputIds(expected);
        int window = (int)expected.Tensor("input_ids").Shape[1], kept = (int)expected.Tensor("logits").Shape[1];
        using var transformer = Transformer.Load(Fixtures.BrownModel, new CpuBackend());
        using var session = transformer.CreateSession(2, window, window);
        var logits = session.StepToHost(ids, LogitsFor.AllPositions);
        int vocab = transformer.Config.VocabSize;
        var firstPositions = new float[2 * kept * vocab];
        for (int b = 0; b < 2; b++)
            Array.Copy(logits, (long)b * window * vocab, firstPositions, (long)b * kept * vocab, (long)kept * vocab);
        var cmp = LogitComparison.Compare(firstPositions, expected.Tensor("logits").ToFloatArray(), vocab);
        Assert.True(cmp.Nmse <= 1e-9, $"NMSE {cmp.Nmse:E3}");
        Assert.Equal(1.0, cmp.Top1Agreement);
    }
}
