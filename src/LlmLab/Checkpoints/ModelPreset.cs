using System.Text.Json.Nodes;

namespace LlmLab.Checkpoints;

/// <summary>
/// Hyperparameters of a published model, so a random-weight checkpoint of the same shapes can be
/// written for benchmarks without downloading (numbers from each model's config.json on the Hub).
/// </summary>
public sealed record ModelPreset(
    string Name, string ModelType, int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int Vocab,
    double RopeTheta, int MaxPositions, float RmsNormEps, bool TieEmbeddings, int? HeadDim = null, JsonObject? RopeScaling = null)
{
    private static JsonObject Llama3Rope(double factor) => new()
    {
        ["rope_type"] = "llama3", ["factor"] = factor, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 8192,
    };

    /// <summary>Presets by name.</summary>
    public static IReadOnlyList<ModelPreset> All { get; } =
    [
        new("tiny-llama", "llama", 64, 160, 2, 4, 2, 512, 10000, 256, 1e-5f, false),
        new("llama-3.2-1b", "llama", 2048, 8192, 16, 32, 8, 128256, 500000, 131072, 1e-5f, true, 64, Llama3Rope(32)),
        new("llama-3.2-3b", "llama", 3072, 8192, 28, 24, 8, 128256, 500000, 131072, 1e-5f, true, 128, Llama3Rope(32)),
        new("llama-3.1-8b", "llama", 4096, 14336, 32, 32, 8, 128256, 500000, 131072, 1e-5f, false, 128, Llama3Rope(8)),
        new("llama-2-7b", "llama", 4096, 11008, 32, 32, 32, 32000, 10000, 4096, 1e-5f, false),
        new("llama-2-13b", "llama", 5120, 13824, 40, 40, 40, 32000, 10000, 4096, 1e-5f, false),
        new("mistral-7b", "mistral", 4096, 14336, 32, 32, 8, 32768, 1000000, 32768, 1e-5f, false),
        new("qwen2.5-0.5b", "qwen2", 896, 4864, 24, 14, 2, 151936, 1000000, 32768, 1e-6f, true),
        new("qwen2.5-7b", "qwen2", 3584, 18944, 28, 28, 4, 152064, 1000000, 32768, 1e-6f, false),
        new("qwen2.5-32b", "qwen2", 5120, 27648, 64, 40, 8, 152064, 1000000, 32768, 1e-6f, false),
        new("qwen3-8b", "qwen3", 4096, 12288, 36, 32, 8, 151936, 1000000, 40960, 1e-6f, false, 128),
    ];

    /// <summary>The preset called <paramref name="name"/>.</summary>
    public static ModelPreset Get(string name) => All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOptionException($"--preset '{name}' is unknown; presets: {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>The Hugging Face config.json for this preset.</summary>
    public JsonObject ToConfigJson(string dtype)
    {
        string architecture = ModelType switch { "qwen2" => "Qwen2ForCausalLM", "qwen3" => "Qwen3ForCausalLM", "mistral" => "MistralForCausalLM", _ => "LlamaForCausalLM" };
        var rope = RopeScaling is null ? new JsonObject() : (JsonObject)RopeScaling.DeepClone();
        rope["rope_theta"] = RopeTheta;
        if (!rope.ContainsKey("rope_type")) rope["rope_type"] = "default";
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = ModelType,
            ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["vocab_size"] = Vocab,
            ["max_position_embeddings"] = MaxPositions,
            ["rms_norm_eps"] = RmsNormEps,
            ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = TieEmbeddings,
            ["rope_parameters"] = rope,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["dtype"] = dtype,
            ["llmlab_random_weights"] = true,
        };
        if (HeadDim is { } hd) config["head_dim"] = hd;
        return config;
    }
}
