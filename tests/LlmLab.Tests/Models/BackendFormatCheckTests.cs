using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Models;

/// <summary>
/// Model loading asks the backend (IBackend.Supports) about every weight's format before placing any: a backend without
/// kernels for a format (a stand-in here that reads only float formats) must refuse a block-format model with the formats named.
/// </summary>
public sealed class BackendFormatCheckTests
{
    [Fact]
    public void A_backend_without_block_kernels_refuses_a_quantized_model_naming_each_format_and_a_tensor()
    {
        using var files = ModelFiles.Open(Fixtures.BrownModel, QuantizationMix.Parse("Q8_0"));
        var asked = new List<(BackendOp Op, TensorFormat Format)>();

        var e = Assert.Throws<InvalidCheckpointException>(() => Transformer.CheckFormats(files.Manifest.Weights, "cuda:0", (op, format) =>
        {
            asked.Add((op, format));
            return format.IsFloat(); // a backend with float kernels only
        }));

        Assert.Equal(files.Manifest.Weights.Count, asked.Count);
        Assert.StartsWith("the cuda:0 backend has no kernels for Q8_0 (", e.Message);
        Assert.Matches("Q8_0 \\([0-9]+ tensors, e.g. 'model\\.", e.Message);
        Assert.EndsWith("load the model on --device cpu, or in a float format (an F16/BF16 checkpoint, or --quant F16/BF16)", e.Message);
        Assert.Contains((BackendOp.Embedding, files.Manifest.Weights.First(w => w.Role == TensorRole.Embedding).Format), asked);
    }

    [Fact]
    public void The_cpu_backend_reads_every_format_of_a_quantized_mix()
    {
        using var files = ModelFiles.Open(Fixtures.BrownModel, QuantizationMix.Parse("Q4_K_M"));
        using var backend = new CpuBackend();

        Transformer.CheckFormats(files.Manifest.Weights, backend.Device, backend.Supports);
    }
}
