using System.Text.Json.Nodes;
using LlmLab.Models;

namespace LlmLab.Tests.Models;

/// <summary>config.json: absurd, inconsistent and unsupported values rejected naming file and field; both RoPE spellings; family quirks.</summary>
public sealed class ConfigTests
{
    [Fact]
    public void Config_that_is_not_JSON_is_rejected()
    {
        string path = ConfigFiles.Text("<!DOCTYPE html><html><body>Sign in</body></html>");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "not valid JSON", "download it again");
    }

    [Fact]
    public void Config_that_is_a_JSON_array_is_rejected()
    {
        string path = ConfigFiles.Text("""[{"model_type": "llama"}]""");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "expected a JSON object", "Array");
    }

    [Fact]
    public void Missing_config_file_says_a_model_folder_needs_config_json()
    {
        string dir = Fixtures.TempDir();
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(dir), Path.Combine(dir, "config.json"), "not found");
    }

    [Fact]
    public void Missing_model_type_names_the_field()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c.Remove("model_type"));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'model_type'", "is missing");
    }

    [Fact]
    public void Unsupported_model_type_lists_the_supported_ones()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["model_type"] = "gpt2");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'model_type'", "'gpt2'", "llama", "mistral", "qwen2", "qwen3");
    }

    [Fact]
    public void Model_type_that_is_not_a_string_names_the_field()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["model_type"] = 7);
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'model_type'", "must be a string");
    }

    [Fact]
    public void Model_type_with_a_lone_surrogate_escape_is_rejected()
    {
        string path = ConfigFiles.Text("""{"model_type": "llama\ud800", "hidden_size": 64}""");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'model_type'", "invalid \\u escape");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-64)]
    [InlineData(1_000_000_000)]
    public void Hidden_size_outside_the_sane_range_names_the_field_and_the_value(long hidden)
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["hidden_size"] = hidden);
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'hidden_size'", $"is {hidden}", "outside the sane range");
    }

    [Theory]
    [InlineData("64.5")]
    [InlineData("\"64\"")]
    [InlineData("1e30")]
    [InlineData("true")]
    public void Hidden_size_that_is_not_an_integer_names_the_field(string value)
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["hidden_size"] = JsonNode.Parse(value));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'hidden_size'", "must be an integer");
    }

    [Fact]
    public void Missing_hidden_size_names_the_field()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c.Remove("hidden_size"));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'hidden_size'", "is missing");
    }

    [Fact]
    public void Kv_heads_that_do_not_divide_the_query_heads_name_both_counts()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["num_key_value_heads"] = 3);
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'num_key_value_heads'", "is 3", "does not divide num_attention_heads 4");
    }

    [Fact]
    public void Odd_explicit_head_dim_is_rejected_for_rotary_embeddings()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["head_dim"] = 15);
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'head_dim'", "is 15", "even");
    }

    [Fact]
    public void Odd_head_dim_implied_by_hidden_size_names_hidden_size()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => { c.Remove("head_dim"); c["hidden_size"] = 60; });
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'hidden_size'", "head_dim 15", "odd", "even");
    }

    [Fact]
    public void Hidden_size_not_divisible_by_heads_without_head_dim_names_hidden_size()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => { c.Remove("head_dim"); c["hidden_size"] = 66; });
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'hidden_size'", "66", "not divisible by num_attention_heads 4");
    }

    [Fact]
    public void Absurd_vocab_size_names_the_field_and_the_value()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["vocab_size"] = 1_000_000_000);
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'vocab_size'", "is 1000000000", "outside the sane range");
    }

    [Fact]
    public void Unknown_rope_type_is_rejected_naming_rope_type_and_the_supported_types()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["rope_scaling"]!["rope_type"] = "yarn");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'rope_scaling.rope_type'", "'yarn'", "default, llama3, linear");
    }

    [Fact]
    public void Unknown_rope_type_in_the_legacy_type_key_is_rejected()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["rope_scaling"] = new JsonObject { ["type"] = "dynamic", ["factor"] = 2.0 });
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'rope_scaling.rope_type'", "'dynamic'");
    }

    [Fact]
    public void Unknown_rope_type_in_transformers_5_rope_parameters_is_rejected()
    {
        string path = ConfigFiles.Edited("llama-tiny-bf16", c => c["rope_parameters"]!["rope_type"] = "yarn");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'rope_parameters.rope_type'", "'yarn'");
    }

    [Fact]
    public void Llama3_rope_without_factor_names_the_missing_field()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["rope_scaling"]!.AsObject().Remove("factor"));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'rope_scaling.factor'", "is missing", "llama3");
    }

    [Fact]
    public void Llama3_rope_without_original_max_position_embeddings_names_the_missing_field()
    {
        string path = ConfigFiles.Edited("llama-tiny-bf16", c => c["rope_parameters"]!.AsObject().Remove("original_max_position_embeddings"));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'rope_parameters.original_max_position_embeddings'", "is missing");
    }

    [Fact]
    public void Rope_scaling_that_is_not_an_object_is_rejected_rather_than_ignored()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["rope_scaling"] = "llama3");
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'rope_scaling'", "must be an object");
    }

    [Fact]
    public void Absurd_rope_theta_names_the_field()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["rope_theta"] = JsonNode.Parse("1e400"));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'rope_theta'", "outside the sane range");
    }

    [Fact]
    public void Hub_and_transformers_5_rope_spellings_of_the_llama_fixtures_give_the_same_rope_config()
    {
        // llama-tiny: rope_theta + rope_scaling; llama-tiny-bf16: rope_parameters (tests/fixtures/PROVENANCE.md).
        var hub = ModelConfigReader.Read(Fixtures.Model("llama-tiny")).Rope;
        var v5 = ModelConfigReader.Read(Fixtures.Model("llama-tiny-bf16")).Rope;
        Assert.Equal(new RopeConfig("llama3", 500000, Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositions: 64), hub);
        Assert.Equal(hub, v5);
    }

    [Fact]
    public void Rope_without_scaling_reads_theta_from_rope_parameters()
    {
        Assert.Equal(new RopeConfig("default", 1_000_000), ModelConfigReader.Read(Fixtures.Model("qwen2-tiny")).Rope);
    }

    [Fact]
    public void Rope_with_only_a_top_level_theta_is_default_rope()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c.Remove("rope_scaling"));
        Assert.Equal(new RopeConfig("default", 500000), ModelConfigReader.Read(path).Rope);
    }

    [Fact]
    public void Eos_token_id_as_an_integer_is_read_as_one_id()
    {
        Assert.Equal([2], ModelConfigReader.Read(Fixtures.Model("llama-tiny")).EosTokenIds);
    }

    [Fact]
    public void Eos_token_id_as_a_list_is_read_as_all_its_ids()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["eos_token_id"] = new JsonArray(2, 7, 9));
        Assert.Equal([2, 7, 9], ModelConfigReader.Read(path).EosTokenIds);
    }

    [Fact]
    public void Eos_token_id_outside_the_vocabulary_names_the_id_and_the_vocab_size()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["eos_token_id"] = new JsonArray(2, 512));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'eos_token_id'", "token 512", "vocabulary of 512");
    }

    [Fact]
    public void Eos_token_id_list_with_a_non_integer_names_the_element()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["eos_token_id"] = new JsonArray(2, "eos"));
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'eos_token_id'", "non-id element \"eos\"");
    }

    [Fact]
    public void Bos_token_id_outside_the_vocabulary_is_reported_as_bos_not_eos()
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["bos_token_id"] = 600);
        var e = Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path),
            path, "'bos_token_id'", "token 600", "vocabulary of 512");
        Assert.DoesNotContain("eos_token_id", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gelu")]
    [InlineData("gelu_pytorch_tanh")]
    [InlineData("relu")]
    public void Hidden_act_other_than_silu_is_rejected(string act)
    {
        string path = ConfigFiles.Edited("llama-tiny", c => c["hidden_act"] = act);
        Rejection.Expect<InvalidConfigException>(() => ModelConfigReader.Read(path), path, "'hidden_act'", $"'{act}'", "silu");
    }

    [Fact]
    public void Qwen2_config_implies_biases_on_q_k_and_v_but_not_o()
    {
        var config = ModelConfigReader.Read(Fixtures.Model("qwen2-tiny"));
        Assert.True(config.QkvBias);
        Assert.False(config.OutputBias);
        var expected = TensorManifest.Expected(config, ModelConfigReader.Architecture("qwen2").Names).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([64], expected["model.layers.0.self_attn.q_proj.bias"]);
        Assert.Equal([32], expected["model.layers.1.self_attn.v_proj.bias"]);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", expected.Keys);
    }

    [Fact]
    public void Qwen3_config_implies_q_and_k_norms_and_uses_its_explicit_head_dim()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Text(ConfigFiles.Qwen3Tiny));
        Assert.True(config.QkNorm);
        Assert.Equal(32, config.HeadDim);
        Assert.Equal(128, config.QueryDim);
        var expected = TensorManifest.Expected(config, ModelConfigReader.Architecture("qwen3").Names).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([32], expected["model.layers.0.self_attn.q_norm.weight"]);
        Assert.Equal([32], expected["model.layers.1.self_attn.k_norm.weight"]);
        Assert.Equal([128, 64], expected["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([64, 128], expected["model.layers.0.self_attn.o_proj.weight"]);
    }

    [Fact]
    public void Llama_config_has_no_q_k_norms_and_no_biases()
    {
        var config = ModelConfigReader.Read(Fixtures.Model("llama-tiny"));
        Assert.False(config.QkNorm);
        Assert.False(config.QkvBias);
    }
}
