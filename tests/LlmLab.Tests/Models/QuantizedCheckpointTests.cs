using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Models;

/// <summary><see cref="QuantizedCheckpoint"/>: what <c>--quant</c> loads (and <c>llmlab quantize</c> writes) for the embedded Brown model.</summary>
public sealed class QuantizedCheckpointTests
{
    private static (ModelConfig Config, TensorNames Names, ICheckpoint Checkpoint) Brown()
    {
        var config = ModelConfigReader.Read(Fixtures.BrownModel);
        return (config, ModelConfigReader.Architecture(config.ModelType).Names, SafetensorsCheckpoint.Open(Fixtures.BrownModel));
    }

    [Fact]
    public void Each_converted_tensor_holds_the_codec_bytes_of_its_rows()
    {
        var (config, names, checkpoint) = Brown();
        using var quantized = new QuantizedCheckpoint(checkpoint, config, names, QuantizationMix.Parse("Q8_0"));
        const string name = "model.layers.2.self_attn.q_proj.weight";
        var source = SafetensorsCheckpoint.Open(Fixtures.BrownModel);
        using (source)
        {
            float[] values = source.Tensor(name).ToFloatArray();
            var expected = new byte[TensorFormat.Q8_0.ByteCount(source.Tensor(name).Shape)];
            BlockCodec.Quantize(TensorFormat.Q8_0, values, expected);
            var view = quantized.Tensor(name);
            Assert.Equal(TensorFormat.Q8_0, view.Format);
            Assert.Equal(expected, view.Bytes.ToArray());
            Assert.Same(view, quantized.Tensor(name));
        }
    }

    [Fact]
    public void Vectors_become_F32_and_the_manifest_counts_the_new_bytes()
    {
        var (config, names, checkpoint) = Brown();
        using var quantized = new QuantizedCheckpoint(checkpoint, config, names, QuantizationMix.Parse("Q4_0"));
        var manifest = TensorManifest.Build(config, names, quantized);
        var norm = manifest.Weights.First(w => w.Role == TensorRole.AttentionNorm);
        Assert.Equal(TensorFormat.F32, norm.Format);
        Assert.Equal(4 * 256, norm.Bytes);
        var q = manifest.Weights.First(w => w.Role == TensorRole.Query);
        Assert.Equal(TensorFormat.Q4_0, q.Format);
        Assert.Equal(256L * 256 / 32 * 18, q.Bytes);
        Assert.Equal(TensorFormat.Q6_K, manifest.Weights.Single(w => w.Role == TensorRole.OutputHead).Format);
    }

    [Fact]
    public void Rows_of_688_fall_back_to_F16_and_the_fallback_is_reported()
    {
        var (config, names, checkpoint) = Brown();
        Assert.Equal(688, config.IntermediateSize);
        using var quantized = new QuantizedCheckpoint(checkpoint, config, names, QuantizationMix.Parse("Q4_K_M"));
        Assert.Equal(TensorFormat.F16, quantized.Describe("model.layers.0.mlp.down_proj.weight").Format);
        Assert.Contains(quantized.Fallbacks, f => f.Contains("'model.layers.0.mlp.down_proj.weight'", StringComparison.Ordinal) && f.Contains("F16", StringComparison.Ordinal));
    }

    [Fact]
    public void Requantizing_an_already_quantized_tensor_is_refused_unless_allowed()
    {
        var (config, names, checkpoint) = Brown();
        var q4 = new QuantizedCheckpoint(checkpoint, config, names, QuantizationMix.Parse("Q4_0"));
        try
        {
            Rejection.Expect<InvalidOptionException>(() => new QuantizedCheckpoint(q4, config, names, QuantizationMix.Parse("Q8_0")),
                "'model.embed_tokens.weight'", "already Q4_0", "--allow-requantize");
            using var allowed = new QuantizedCheckpoint(q4, config, names, QuantizationMix.Parse("Q8_0"), allowRequantize: true);
            Assert.Equal(TensorFormat.Q8_0, allowed.Tensor("model.layers.0.self_attn.q_proj.weight").Format);
        }
        finally { q4.Dispose(); }
    }
}
