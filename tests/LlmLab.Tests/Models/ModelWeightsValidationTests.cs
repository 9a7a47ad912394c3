using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Models;

/// <summary>
/// <see cref="TensorManifest.Build"/>: a config that disagrees with the checkpoint fails before anything is
/// loaded, naming the file, the tensor and both shapes (fixtures plus tiny checkpoints written from the config).
/// </summary>
public sealed class ModelWeightsValidationTests
{
    private static void Validate(ModelConfig config, string checkpointPath)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointPath);
        TensorManifest.Build(config, ModelConfigReader.Architecture(config.ModelType).Names, checkpoint);
    }

    /// <summary>
    /// A checkpoint holding every tensor <paramref name="config"/> implies (zeros) except those in <paramref name="omit"/>;
    /// F32 unless <paramref name="dtypeOf"/> says otherwise.
    /// </summary>
    private static string CheckpointFor(ModelConfig config, Func<string, DType>? dtypeOf = null, params string[] omit)
    {
        string path = Path.Combine(Fixtures.TempDir(), SafetensorsCheckpoint.SingleFileName);
        var tensors = TensorManifest.Expected(config, ModelConfigReader.Architecture(config.ModelType).Names)
            .Where(t => !omit.Contains(t.Name))
            .Select(t => (t.Name, t.Shape, DType: dtypeOf?.Invoke(t.Name) ?? DType.F32))
            .Select(t => TensorToWrite.FromBytes(t.Name, t.DType, t.Shape, new byte[t.Shape.Aggregate((long)t.DType.SizeOf(), (a, d) => a * d)]))
            .ToArray();
        SafetensorsWriter.Write(path, tensors);
        return path;
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("llama-tiny-bf16")]
    [InlineData("qwen2-tiny")]
    [InlineData("qwen2-tiny-bf16")]
    public void Fixture_checkpoints_match_their_own_configs(string model)
    {
        Validate(ModelConfigReader.Read(Fixtures.Model(model)), Fixtures.Model(model));
    }

    [Fact]
    public void Hidden_size_that_disagrees_with_the_tensors_names_the_file_the_tensor_and_both_shapes()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Edited("llama-tiny", c => c["hidden_size"] = 128));
        string file = Path.Combine(Path.GetFullPath(Fixtures.Model("llama-tiny")), SafetensorsCheckpoint.SingleFileName);
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, Fixtures.Model("llama-tiny")),
            file, "'model.embed_tokens.weight'", "shape [512, 64]", "config.json implies [512, 128]");
    }

    [Fact]
    public void Intermediate_size_that_disagrees_names_the_shard_holding_the_mlp_tensor()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Edited("llama-tiny-bf16", c => c["intermediate_size"] = 128));
        // weight_map puts layer 0's gate_proj in shard 1 of 3.
        string shard = Path.Combine(Path.GetFullPath(Fixtures.Model("llama-tiny-bf16")), "model-00001-of-00003.safetensors");
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, Fixtures.Model("llama-tiny-bf16")),
            shard, "'model.layers.0.mlp.gate_proj.weight'", "[160, 64]", "[128, 64]");
    }

    [Fact]
    public void Missing_lm_head_with_untied_embeddings_names_lm_head_and_tie_word_embeddings()
    {
        // qwen2-tiny ties its embeddings, so its file has no lm_head.weight.
        var config = ModelConfigReader.Read(ConfigFiles.Edited("qwen2-tiny", c => c["tie_word_embeddings"] = false));
        string file = Path.Combine(Path.GetFullPath(Fixtures.Model("qwen2-tiny")), SafetensorsCheckpoint.SingleFileName);
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, Fixtures.Model("qwen2-tiny")),
            file, "'lm_head.weight' is missing", "tie_word_embeddings");
    }

    [Fact]
    public void Qwen2_config_over_a_checkpoint_without_biases_names_the_missing_q_proj_bias()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Edited("llama-tiny", c => c["model_type"] = "qwen2"));
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, Fixtures.Model("llama-tiny")),
            "'model.layers.0.self_attn.q_proj.bias' is missing", "does not match config.json");
    }

    [Fact]
    public void Qwen3_checkpoint_with_every_implied_tensor_validates()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Text(ConfigFiles.Qwen3Tiny));
        Validate(config, CheckpointFor(config));
    }

    [Fact]
    public void Qwen3_checkpoint_without_a_k_norm_names_the_missing_tensor()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Text(ConfigFiles.Qwen3Tiny));
        string path = CheckpointFor(config, omit: "model.layers.1.self_attn.k_norm.weight");
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, path),
            path, "'model.layers.1.self_attn.k_norm.weight' is missing");
    }

    [Fact]
    public void Qwen3_checkpoint_whose_q_proj_assumes_hidden_over_heads_names_both_shapes()
    {
        // A checkpoint built for head_dim 16 (hidden/heads) read with the config's explicit head_dim 32.
        var config = ModelConfigReader.Read(ConfigFiles.Text(ConfigFiles.Qwen3Tiny));
        var narrow = config with { HeadDim = 16 };
        string path = CheckpointFor(narrow);
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, path),
            path, "'model.layers.0.self_attn.q_proj.weight'", "[64, 64]", "[128, 64]");
    }

    [Fact]
    public void Integer_weight_tensor_names_the_tensor_and_its_dtype()
    {
        var config = ModelConfigReader.Read(ConfigFiles.Text(ConfigFiles.Qwen3Tiny));
        string path = CheckpointFor(config, name => name == "model.norm.weight" ? DType.I32 : DType.F32);
        Rejection.Expect<InvalidCheckpointException>(() => Validate(config, path),
            path, "'model.norm.weight'", "is I32", "F32, F16, BF16, FP8 or a ggml block type");
    }
}
