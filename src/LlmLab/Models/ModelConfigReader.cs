using LlmLab.Formats;
using LlmLab.Models.Architectures;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// Reads a Hugging Face <c>config.json</c> into a <see cref="ModelConfig"/>. Absurd or inconsistent
/// values are rejected here, before any buffer is sized from them.
/// </summary>
public static class ModelConfigReader
{
    /// <summary>The families LlmLab runs, one file each in Models/Architectures.</summary>
    public static IReadOnlyList<IArchitecture> Architectures { get; } = [new Llama(), new Mistral(), new Qwen2(), new Qwen3()];

    /// <summary>The architecture object for <paramref name="modelType"/>.</summary>
    public static IArchitecture Architecture(string modelType) =>
        Architectures.FirstOrDefault(a => a.ModelType == modelType)
        ?? throw new InvalidConfigException($"model_type '{modelType}' is not supported; LlmLab runs {string.Join(", ", Architectures.Select(a => a.ModelType))}");

    /// <summary>Reads <paramref name="path"/> (a config.json or the folder holding one).</summary>
    public static ModelConfig Read(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        using var file = JsonFile.Open(Path.GetFullPath(path), ConfigLimits.MaxJsonBytes, JsonFileKind.Config);
        var json = file.Root;
        string modelType = json.OptionalString("model_type") ?? throw json.Error("model_type", "is missing; this does not look like a Hugging Face model config");
        var architecture = Architectures.FirstOrDefault(a => a.ModelType == modelType)
            ?? throw json.Error("model_type", $"is '{modelType}', which LlmLab does not run; supported: {string.Join(", ", Architectures.Select(a => a.ModelType))}");

        int hidden = json.RequiredInt("hidden_size", 1, ConfigLimits.MaxHidden);
        int heads = json.RequiredInt("num_attention_heads", 1, ConfigLimits.MaxHeads);
        int kvHeads = json.OptionalInt("num_key_value_heads", 1, ConfigLimits.MaxHeads) ?? heads;
        if (heads % kvHeads != 0)
            throw json.Error("num_key_value_heads", $"is {kvHeads}, which does not divide num_attention_heads {heads} (grouped-query attention needs whole groups)");
        int? explicitHeadDim = json.OptionalInt("head_dim", 2, ConfigLimits.MaxHeadDim);
        int headDim = explicitHeadDim ?? DefaultHeadDim(json, hidden, heads);
        if (headDim % 2 != 0)
            throw explicitHeadDim is null
                ? json.Error("hidden_size", $"{hidden} / num_attention_heads {heads} gives head_dim {headDim}, which is odd; rotary embeddings need an even head_dim")
                : json.Error("head_dim", $"is {headDim}; rotary embeddings need an even head_dim");

        var common = new ModelConfig
        {
            ModelType = modelType,
            VocabSize = json.RequiredInt("vocab_size", 1, ConfigLimits.MaxVocab),
            HiddenSize = hidden,
            IntermediateSize = json.RequiredInt("intermediate_size", 1, ConfigLimits.MaxIntermediate),
            NumLayers = json.RequiredInt("num_hidden_layers", 1, ConfigLimits.MaxLayers),
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = json.OptionalFloat("rms_norm_eps", 1e-12f, 0.1f) ?? 1e-6f,
            Rope = ReadRope(json),
            MaxPositionEmbeddings = json.OptionalInt("max_position_embeddings", 1, ConfigLimits.MaxPositions) ?? 4096,
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? false,
            QkvBias = false,
            BosTokenId = json.OptionalInt("bos_token_id", 0, ConfigLimits.MaxVocab),
            EosTokenIds = json.IntOrIntList("eos_token_id", ConfigLimits.MaxListLength),
            DeclaredDType = ReadDType(json),
        };
        string? act = json.OptionalString("hidden_act");
        if (act is not null and not "silu" and not "swish")
            throw json.Error("hidden_act", $"is '{act}'; LlmLab's SwiGLU MLP implements silu only");
        var config = architecture.Configure(common, new JsonConfigView(json));
        foreach (int id in config.EosTokenIds)
            if (id >= config.VocabSize) throw json.Error("eos_token_id", $"names token {id}, outside the vocabulary of {config.VocabSize} (vocab_size)");
        if (config.BosTokenId >= config.VocabSize)
            throw json.Error("bos_token_id", $"names token {config.BosTokenId}, outside the vocabulary of {config.VocabSize} (vocab_size)");
        return config;
    }

    private static int DefaultHeadDim(JsonField json, int hidden, int heads)
    {
        if (hidden % heads != 0)
            throw json.Error("hidden_size", $"{hidden} is not divisible by num_attention_heads {heads}, and no head_dim is given");
        return hidden / heads;
    }

    private static DType? ReadDType(JsonField json)
    {
        string? name = json.OptionalString("dtype") ?? json.OptionalString("torch_dtype");
        return name switch
        {
            null => null,
            "float32" => DType.F32,
            "float16" => DType.F16,
            "bfloat16" => DType.BF16,
            _ => null, // informative only; the tensors' own dtypes decide
        };
    }

    /// <summary>RoPE in both spellings: hub form (rope_theta + rope_scaling) and transformers 5 (rope_parameters).</summary>
    private static RopeConfig ReadRope(JsonField json)
    {
        var found = json.Object("rope_parameters") ?? json.Object("rope_scaling");
        double theta = found?.OptionalDouble("rope_theta", 1, 1e12) ?? json.OptionalDouble("rope_theta", 1, 1e12) ?? 10000;
        if (found is not { } parameters) return new RopeConfig("default", theta);
        string type = parameters.OptionalString("rope_type") ?? parameters.OptionalString("type") ?? "default";
        if (!RopeConfig.SupportedTypes.Contains(type))
            throw parameters.Error("rope_type", $"is '{type}'; supported RoPE types are {string.Join(", ", RopeConfig.SupportedTypes)}");
        if (type == "default") return new RopeConfig("default", theta);
        double factor = parameters.OptionalDouble("factor", 1e-3, 1e6) ?? throw parameters.Error("factor", $"is missing; rope_type '{type}' needs it");
        if (type == "linear") return new RopeConfig("linear", theta, factor);
        double low = parameters.OptionalDouble("low_freq_factor", 1e-6, 1e6) ?? throw parameters.Error("low_freq_factor", "is missing; llama3 RoPE needs it");
        double high = parameters.OptionalDouble("high_freq_factor", 1e-6, 1e6) ?? throw parameters.Error("high_freq_factor", "is missing; llama3 RoPE needs it");
        if (high <= low) throw parameters.Error("high_freq_factor", $"({high}) must exceed low_freq_factor ({low})");
        int original = parameters.OptionalInt("original_max_position_embeddings", 1, ConfigLimits.MaxPositions)
            ?? throw parameters.Error("original_max_position_embeddings", "is missing; llama3 RoPE needs it");
        return new RopeConfig("llama3", theta, factor, low, high, original);
    }
}
