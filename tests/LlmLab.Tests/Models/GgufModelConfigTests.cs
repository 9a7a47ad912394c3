using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Models.Architectures;
using LlmLab.Tests.Formats;

namespace LlmLab.Tests.Models;

/// <summary>
/// <see cref="GgufModelConfig"/> on in-memory metadata shaped as convert_hf_to_gguf.py writes it
/// (<see cref="GgufConversion.LlamaTinyMetadata"/>: u32 integers, f32 floats).
/// </summary>
public sealed class GgufModelConfigTests
{
    private const string File = "/models/tiny.gguf";

    private static GgufValue U32(int v) => new(GgufValueType.UInt32, (uint)v);
    private static GgufValue F32(double v) => new(GgufValueType.Float32, (float)v);
    private static GgufValue Str(string v) => new(GgufValueType.String, v);

    private static Dictionary<string, GgufValue> LlamaMetadata(string arch = "llama") => GgufConversion.LlamaTinyMetadata(arch);

    private static MemoryCheckpoint Tensors(bool outputHead = true, bool qkvBias = false)
    {
        var c = new MemoryCheckpoint(File).Add("token_embd.weight", [512, 64]);
        if (outputHead) c.Add("output.weight", [512, 64]);
        if (qkvBias) c.Add("blk.0.attn_q.bias", [64]);
        return c;
    }

    private static ModelConfig Read(Dictionary<string, GgufValue> metadata, MemoryCheckpoint? tensors = null)
    {
        using var own = tensors is null ? Tensors() : null;
        return GgufModelConfig.Read(metadata, tensors ?? own!);
    }

    [Fact]
    public void Llama_metadata_gives_the_same_hyperparameters_as_the_models_config_json()
    {
        var fromJson = ModelConfigReader.Read(Fixtures.Model("llama-tiny"));
        var fromGguf = Read(LlamaMetadata());
        // RoPE differs by design (llama3 scaling arrives as a tensor; GGUF llama rotates interleaved pairs); the rest must agree.
        Assert.Equal(fromJson with { Rope = fromGguf.Rope, DeclaredDType = null, EosTokenIds = fromGguf.EosTokenIds }, fromGguf);
        Assert.Equal(fromJson.EosTokenIds, fromGguf.EosTokenIds);
    }

    [Fact]
    public void Llama_gguf_rotates_interleaved_pairs_and_qwen_does_not()
    {
        Assert.True(Read(LlamaMetadata("llama")).Rope.Interleaved);
        Assert.False(Read(LlamaMetadata("qwen2")).Rope.Interleaved);
        Assert.False(Read(LlamaMetadata("qwen3")).Rope.Interleaved);
    }

    [Fact]
    public void A_file_without_output_weight_ties_the_head_to_the_embedding()
    {
        using var untied = Tensors(outputHead: true);
        using var tied = Tensors(outputHead: false);
        Assert.False(GgufModelConfig.Read(LlamaMetadata(), untied).TieWordEmbeddings);
        Assert.True(GgufModelConfig.Read(LlamaMetadata(), tied).TieWordEmbeddings);
    }

    [Fact]
    public void Qwen2_has_qkv_biases_and_llama_has_them_only_when_the_file_does()
    {
        Assert.True(Read(LlamaMetadata("qwen2")).QkvBias);
        Assert.False(Read(LlamaMetadata("llama")).QkvBias);
        using var withBias = Tensors(qkvBias: true);
        Assert.True(GgufModelConfig.Read(LlamaMetadata("llama"), withBias).QkvBias);
    }

    [Fact]
    public void Qwen3_takes_head_dim_from_key_length_and_norms_q_and_k()
    {
        var metadata = LlamaMetadata("qwen3");
        metadata["qwen3.attention.key_length"] = U32(32);
        metadata["qwen3.attention.value_length"] = U32(32);
        metadata["qwen3.rope.dimension_count"] = U32(32);
        var config = Read(metadata);
        Assert.Equal(("qwen3", 32, true, false), (config.ModelType, config.HeadDim, config.QkNorm, config.QkvBias));
    }

    [Fact]
    public void Head_dim_defaults_to_width_over_heads_without_key_length()
    {
        var metadata = LlamaMetadata();
        metadata.Remove("llama.attention.key_length");
        metadata.Remove("llama.attention.value_length");
        Assert.Equal(16, Read(metadata).HeadDim);
    }

    [Fact]
    public void Vocabulary_size_falls_back_to_the_token_list_length()
    {
        var metadata = LlamaMetadata();
        metadata.Remove("llama.vocab_size");
        metadata["tokenizer.ggml.tokens"] = new GgufValue(GgufValueType.Array, Enumerable.Range(0, 300).Select(i => $"t{i}").ToArray(), GgufValueType.String);
        Assert.Equal(300, Read(metadata).VocabSize);
    }

    [Fact]
    public void Eos_includes_end_of_turn_ids_once_each()
    {
        var metadata = LlamaMetadata();
        metadata["tokenizer.ggml.eot_token_id"] = U32(7);
        metadata["tokenizer.ggml.eom_token_id"] = U32(2);
        var config = Read(metadata);
        Assert.Equal([2, 7], config.EosTokenIds);
        Assert.Equal(1, config.BosTokenId);
    }

    [Fact]
    public void Rope_freqs_tensor_gives_the_frequencies_of_hugging_face_llama3_scaling()
    {
        // llama-tiny's config.json: theta 500000, factor 8, low 1, high 4, original 64, head_dim 16.
        var hf = ModelConfigReader.Read(Fixtures.Model("llama-tiny")).Rope;
        Assert.Equal("llama3", hf.Type);
        float[] factors = GgufExport.Llama3Factors(hf, 16);
        Assert.Contains(factors, f => f != 1f); // the fixture's scaling does change some frequencies
        using var tensors = Tensors().Add(GgufTensorNames.RopeFrequencies, [8], factors);
        var gguf = GgufModelConfig.Read(LlamaMetadata(), tensors).Rope;
        float[] expected = hf.InverseFrequencies(16), actual = gguf.InverseFrequencies(16);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 2e-7 * expected[i], $"pair {i}: {actual[i]:R} vs HF {expected[i]:R}");
    }

    [Fact]
    public void Linear_rope_scaling_reads_its_factor()
    {
        var metadata = LlamaMetadata();
        metadata["llama.rope.scaling.type"] = Str("linear");
        metadata["llama.rope.scaling.factor"] = F32(4);
        var rope = Read(metadata).Rope;
        Assert.Equal(("linear", 4.0), (rope.Type, rope.Factor));
    }

    [Fact]
    public void Yarn_rope_scaling_is_refused_naming_the_key()
    {
        var metadata = LlamaMetadata("qwen2");
        metadata["qwen2.rope.scaling.type"] = Str("yarn");
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "qwen2.rope.scaling.type", "yarn", "supported");
    }

    [Fact]
    public void Unknown_architecture_names_the_key_the_value_and_what_is_supported()
    {
        var metadata = LlamaMetadata();
        metadata["general.architecture"] = Str("gemma3");
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "general.architecture", "gemma3", "llama, qwen2, qwen3");
    }

    [Fact]
    public void Absurd_block_count_is_rejected_before_anything_is_sized_from_it()
    {
        var metadata = LlamaMetadata();
        metadata["llama.block_count"] = new GgufValue(GgufValueType.UInt64, ulong.MaxValue);
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "llama.block_count");
        metadata["llama.block_count"] = U32(1_000_000);
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "llama.block_count", "1000000", "range");
    }

    [Fact]
    public void Missing_required_key_is_named()
    {
        var metadata = LlamaMetadata();
        metadata.Remove("llama.feed_forward_length");
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "llama.feed_forward_length", "missing");
    }

    [Fact]
    public void A_key_of_the_wrong_type_is_named_with_what_was_found()
    {
        var metadata = LlamaMetadata();
        metadata["llama.embedding_length"] = Str("sixty-four");
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "llama.embedding_length", "integer", "String");
    }

    [Fact]
    public void Kv_heads_that_do_not_divide_the_heads_are_rejected()
    {
        var metadata = LlamaMetadata();
        metadata["llama.attention.head_count_kv"] = U32(3);
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "llama.attention.head_count_kv", "does not divide");
    }

    [Fact]
    public void Partial_rotary_dimension_is_refused()
    {
        var metadata = LlamaMetadata();
        metadata["llama.rope.dimension_count"] = U32(8);
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "llama.rope.dimension_count", "partial");
    }

    [Fact]
    public void Eos_id_outside_the_vocabulary_is_rejected()
    {
        var metadata = LlamaMetadata();
        metadata["tokenizer.ggml.eos_token_id"] = U32(512);
        Rejection.Expect<InvalidConfigException>(() => Read(metadata), File, "tokenizer.ggml.eos_token_id", "512");
    }

    [Fact]
    public void Rope_freqs_of_the_wrong_length_names_the_tensor()
    {
        using var tensors = Tensors().Add(GgufTensorNames.RopeFrequencies, [4], [1, 1, 1, 1]);
        Rejection.Expect<InvalidCheckpointException>(() => GgufModelConfig.Read(LlamaMetadata(), tensors), File, "rope_freqs.weight", "[8]");
    }
}
