using LlmLab.Checkpoints;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Models;

/// <summary>
/// <see cref="QuantizationMix"/> against llama.cpp's choices (src/llama-quant.cpp, llama_tensor_get_type) and a real
/// llama-quantize output: Meta-Llama-3-8B Q4_K_M holds 193 Q4_K, 33 Q6_K and 65 F32 tensors.
/// </summary>
public sealed class QuantizationMixTests
{
    private static ModelConfig Preset(string name)
    {
        string dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, "config.json"), ModelPreset.Get(name).ToConfigJson("bfloat16").ToJsonString());
        return ModelConfigReader.Read(dir);
    }

    private static Dictionary<TensorFormat, int> Counts(string mix, ModelConfig config) =>
        TensorManifest.Expected(config, ModelConfigReader.Architecture(config.ModelType).Names)
            .Select(t => QuantizationMix.Parse(mix).Choose(t, config).Format)
            .GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Q4_K_M_of_a_llama_3_8b_gives_the_tensor_counts_of_llama_quantize()
    {
        var counts = Counts("Q4_K_M", Preset("llama-3.1-8b"));
        Assert.Equal(193, counts[TensorFormat.Q4_K]);
        Assert.Equal(33, counts[TensorFormat.Q6_K]);
        Assert.Equal(65, counts[TensorFormat.F32]);
        Assert.Equal(3, counts.Count);
    }

    [Fact]
    public void Q8_0_keeps_the_output_head_in_Q8_0()
    {
        var config = Preset("llama-3.1-8b");
        var head = TensorManifest.Expected(config, ModelConfigReader.Architecture("llama").Names).Single(t => t.Role == TensorRole.OutputHead);
        Assert.Equal(TensorFormat.Q8_0, QuantizationMix.Parse("Q8_0").Choose(head, config).Format);
        Assert.Equal(TensorFormat.Q6_K, QuantizationMix.Parse("Q4_0").Choose(head, config).Format);
    }

    [Fact]
    public void A_tied_embedding_is_quantized_as_the_output_head()
    {
        var config = Preset("llama-3.2-1b");
        Assert.True(config.TieWordEmbeddings);
        var embedding = TensorManifest.Expected(config, ModelConfigReader.Architecture("llama").Names).Single(t => t.Role == TensorRole.Embedding);
        Assert.Equal(TensorFormat.Q6_K, QuantizationMix.Parse("Q4_K_M").Choose(embedding, config).Format);
    }

    [Theory]
    [InlineData("Q3_K_M", 0, TensorRole.Value, TensorFormat.Q5_K)]
    [InlineData("Q3_K_M", 2, TensorRole.Value, TensorFormat.Q4_K)]
    [InlineData("Q3_K_M", 1, TensorRole.Down, TensorFormat.Q5_K)]
    [InlineData("Q3_K_M", 2, TensorRole.Down, TensorFormat.Q4_K)]
    [InlineData("Q3_K_M", 5, TensorRole.AttentionOutput, TensorFormat.Q4_K)]
    [InlineData("Q3_K_M", 5, TensorRole.Query, TensorFormat.Q3_K)]
    [InlineData("Q3_K_L", 5, TensorRole.Down, TensorFormat.Q5_K)]
    [InlineData("Q2_K", 5, TensorRole.Value, TensorFormat.Q4_K)]
    [InlineData("Q2_K", 5, TensorRole.Down, TensorFormat.Q3_K)]
    [InlineData("Q4_K_S", 3, TensorRole.Value, TensorFormat.Q5_K)]
    [InlineData("Q4_K_S", 4, TensorRole.Value, TensorFormat.Q4_K)]
    [InlineData("Q4_K_S", 3, TensorRole.Down, TensorFormat.Q5_K)]
    [InlineData("Q4_K_S", 4, TensorRole.Down, TensorFormat.Q4_K)]
    [InlineData("Q5_K_M", 0, TensorRole.Down, TensorFormat.Q6_K)]
    [InlineData("Q5_K_M", 4, TensorRole.Down, TensorFormat.Q5_K)]
    [InlineData("IQ4_XS", 9, TensorRole.Value, TensorFormat.Q5_K)]
    [InlineData("IQ4_NL", 0, TensorRole.Down, TensorFormat.Q5_K)]
    [InlineData("IQ4_NL", 9, TensorRole.Down, TensorFormat.IQ4_NL)]
    public void Layer_rules_of_a_32_layer_gqa_4_model_follow_llama_cpp(string mix, int layer, TensorRole role, TensorFormat expected)
    {
        var config = Preset("llama-3.1-8b");
        var t = TensorManifest.Expected(config, ModelConfigReader.Architecture("llama").Names).Single(e => e.Role == role && e.Layer == layer);
        Assert.Equal(expected, QuantizationMix.Parse(mix).Choose(t, config).Format);
    }

    [Fact]
    public void Rows_that_do_not_divide_into_k_quant_blocks_fall_back_as_llama_cpp_does_and_are_reported()
    {
        var config = Preset("tiny-llama"); // hidden 64: rows of 64 do not divide into 256-element super-blocks
        var q = TensorManifest.Expected(config, ModelConfigReader.Architecture("llama").Names).First(t => t.Role == TensorRole.Query);
        var (format, note) = QuantizationMix.Parse("Q4_K_S").Choose(q, config);
        Assert.Equal(TensorFormat.Q5_0, format);
        Assert.Contains("'model.layers.0.self_attn.q_proj.weight'", note);
        Assert.Contains("Q4_K", note);
        Assert.Equal(TensorFormat.Q8_0, QuantizationMix.Parse("Q6_K").Choose(q, config).Format);
        Assert.Equal(TensorFormat.Q4_0, QuantizationMix.Parse("Q2_K").Choose(q, config).Format);
    }

    [Fact]
    public void Vectors_stay_F32_in_every_mix()
    {
        var config = Preset("tiny-llama");
        var norm = TensorManifest.Expected(config, ModelConfigReader.Architecture("llama").Names).First(t => t.Role == TensorRole.AttentionNorm);
        foreach (var mix in QuantizationMix.All) Assert.Equal(TensorFormat.F32, mix.Choose(norm, config).Format);
    }

    [Fact]
    public void An_unknown_mix_lists_the_supported_ones()
    {
        Rejection.Expect<InvalidOptionException>(() => QuantizationMix.Parse("Q7_K"), "'Q7_K'", "Q4_K_M", "Q8_0", "IQ4_XS");
    }

    [Fact]
    public void The_fp8_mix_of_a_llama_3_8b_puts_every_linear_layer_in_fp8_and_embedding_and_head_in_bf16()
    {
        var config = Preset("llama-3.1-8b");
        var chosen = TensorManifest.Expected(config, ModelConfigReader.Architecture("llama").Names)
            .ToDictionary(t => t.Role == TensorRole.Embedding || t.Role == TensorRole.OutputHead ? t.Role.ToString() : t.Name, t => QuantizationMix.Parse("fp8").Choose(t, config));
        var counts = chosen.Values.GroupBy(c => c.Format).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(7 * 32, counts[TensorFormat.FP8]);
        Assert.Equal(65, counts[TensorFormat.F32]);
        Assert.Equal(TensorFormat.BF16, chosen[nameof(TensorRole.Embedding)].Format);
        Assert.Equal(TensorFormat.BF16, chosen[nameof(TensorRole.OutputHead)].Format);
        Assert.All(chosen.Values, c => Assert.Null(c.Fallback));
    }
}
