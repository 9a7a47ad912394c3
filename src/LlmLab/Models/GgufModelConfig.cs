using LlmLab.Formats;
using LlmLab.Models.Architectures;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// Builds a <see cref="ModelConfig"/> from a GGUF file's metadata (<c>{arch}.*</c> keys as llama.cpp's
/// llama-model.cpp reads them) and the presence of its optional tensors. The same bounds as
/// <see cref="ModelConfigReader"/> apply, so an absurd file fails here, before anything is sized from it.
/// </summary>
public static class GgufModelConfig
{
    /// <summary>The <c>general.architecture</c> values read here, and the LlmLab model type each becomes.</summary>
    public static IReadOnlyDictionary<string, string> SupportedArchitectures { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["llama"] = "llama",  // Llama 1/2/3 and Mistral: llama.cpp's llama architecture
        ["qwen2"] = "qwen2",
        ["qwen3"] = "qwen3",
    };

    /// <summary>RoPE scaling types of <c>{arch}.rope.scaling.type</c> implemented here (llama3 comes as a tensor).</summary>
    private static readonly string[] SupportedRopeScaling = ["none", "linear"];

    /// <summary>llama.cpp's default <c>rope.freq_base</c> when the key is absent.</summary>
    private const double DefaultRopeTheta = 10000;

    /// <summary>
    /// Reads the config of the GGUF model <paramref name="checkpoint"/> whose metadata is <paramref name="metadata"/>.
    /// Tied output (no <c>output.weight</c>), biases and the llama3 <c>rope_freqs.weight</c> come from its tensors.
    /// </summary>
    /// <exception cref="InvalidConfigException">A key is missing, of the wrong type, out of range or unsupported; the message names the file and key.</exception>
    /// <exception cref="InvalidCheckpointException">rope_freqs.weight has the wrong format or shape.</exception>
    public static ModelConfig Read(IReadOnlyDictionary<string, GgufValue> metadata, ICheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var m = new GgufMetadataFields(metadata, checkpoint.Path, message => new InvalidConfigException(message));
        const string archKey = "general.architecture";
        string arch = m.RequiredString(archKey);
        if (!SupportedArchitectures.TryGetValue(arch, out string? modelType))
            throw m.Error(archKey, $"is '{arch}', which LlmLab does not run; supported: {string.Join(", ", SupportedArchitectures.Keys)}");
        string K(string suffix) => $"{arch}.{suffix}";

        int hidden = m.RequiredInt(K("embedding_length"), 1, ConfigLimits.MaxHidden);
        int heads = m.RequiredInt(K("attention.head_count"), 1, ConfigLimits.MaxHeads);
        int kvHeads = m.OptionalInt(K("attention.head_count_kv"), 1, ConfigLimits.MaxHeads) ?? heads;
        if (heads % kvHeads != 0)
            throw m.Error(K("attention.head_count_kv"), $"is {kvHeads}, which does not divide attention.head_count {heads} (grouped-query attention needs whole groups)");
        int headDim = ReadHeadDim(m, K, hidden, heads);

        int vocab = m.OptionalInt(K("vocab_size"), 1, ConfigLimits.MaxVocab)
            ?? m.ArrayLength("tokenizer.ggml.tokens")
            ?? throw m.Error(K("vocab_size"), "is missing, and there is no tokenizer.ggml.tokens list to count; the file does not say how many tokens the model has");
        if (vocab < 1 || vocab > ConfigLimits.MaxVocab)
            throw m.Error("tokenizer.ggml.tokens", $"holds {vocab} tokens, outside the sane range [1, {ConfigLimits.MaxVocab}]");

        var config = new ModelConfig
        {
            ModelType = modelType,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = m.RequiredInt(K("feed_forward_length"), 1, ConfigLimits.MaxIntermediate),
            NumLayers = m.RequiredInt(K("block_count"), 1, ConfigLimits.MaxLayers),
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = (float)(m.OptionalDouble(K("attention.layer_norm_rms_epsilon"), 1e-12, 0.1)
                ?? throw m.Error(K("attention.layer_norm_rms_epsilon"), "is missing; llama.cpp requires it for RMSNorm models")),
            Rope = ReadRope(m, K, arch, headDim, checkpoint),
            MaxPositionEmbeddings = m.RequiredInt(K("context_length"), 1, ConfigLimits.MaxPositions),
            TieWordEmbeddings = !checkpoint.Contains(GgufTensorNames.Decoder.OutputHead),
            // qwen2 always has q/k/v biases (llama.cpp requires them); llama has them when the file does.
            QkvBias = arch == "qwen2" || checkpoint.Contains(TensorNames.Layer(GgufTensorNames.Decoder.QueryBias, 0)),
            OutputBias = checkpoint.Contains(TensorNames.Layer(GgufTensorNames.Decoder.OutputBias, 0)),
            QkNorm = arch == "qwen3",
            BosTokenId = m.OptionalInt("tokenizer.ggml.bos_token_id", 0, vocab - 1),
            EosTokenIds = ReadEos(m, vocab),
            DeclaredDType = null,
        };
        return config;
    }

    /// <summary>attention.key_length when given (Qwen3 heads are not hidden/heads wide), else hidden / heads.</summary>
    private static int ReadHeadDim(GgufMetadataFields m, Func<string, string> K, int hidden, int heads)
    {
        int? keyLength = m.OptionalInt(K("attention.key_length"), 2, ConfigLimits.MaxHeadDim);
        int? valueLength = m.OptionalInt(K("attention.value_length"), 2, ConfigLimits.MaxHeadDim);
        if (keyLength is { } k && valueLength is { } v && k != v)
            throw m.Error(K("attention.value_length"), $"is {v} but attention.key_length is {k}; LlmLab's attention needs equal key and value widths");
        int headDim = keyLength ?? valueLength ?? (hidden % heads == 0 ? hidden / heads
            : throw m.Error(K("embedding_length"), $"{hidden} is not divisible by attention.head_count {heads}, and no attention.key_length is given"));
        if (headDim % 2 != 0) throw m.Error(K("attention.key_length"), $"gives head_dim {headDim}, which is odd; rotary embeddings need an even head_dim");
        return headDim;
    }

    private static RopeConfig ReadRope(GgufMetadataFields m, Func<string, string> K, string arch, int headDim, ICheckpoint checkpoint)
    {
        if (m.OptionalInt(K("rope.dimension_count"), 1, ConfigLimits.MaxHeadDim) is { } rotated && rotated != headDim)
            throw m.Error(K("rope.dimension_count"), $"is {rotated} but heads are {headDim} wide; partial rotary embeddings are not implemented");
        double theta = m.OptionalDouble(K("rope.freq_base"), 1, 1e12) ?? DefaultRopeTheta;
        string scaling = m.OptionalString(K("rope.scaling.type")) ?? "none";
        if (!SupportedRopeScaling.Contains(scaling))
            throw m.Error(K("rope.scaling.type"), $"is '{scaling}'; supported: {string.Join(", ", SupportedRopeScaling)} (and llama3 scaling as a {GgufTensorNames.RopeFrequencies} tensor)");
        // Older files give the linear factor as rope.scale_linear; scaling.factor 0 or 1 means none.
        double factor = m.OptionalDouble(K("rope.scaling.factor"), 0, 1e6) ?? m.OptionalDouble(K("rope.scale_linear"), 0, 1e6) ?? 1;
        bool linear = (scaling == "linear" || m.Has(K("rope.scale_linear"))) && factor is not (0 or 1);
        if (scaling == "linear" && factor < 1e-3)
            throw m.Error(K("rope.scaling.factor"), $"is {factor}; linear RoPE scaling needs a positive factor");
        var rope = linear ? new RopeConfig("linear", theta, factor) : new RopeConfig("default", theta);
        return rope with
        {
            // convert_hf_to_gguf.py permutes llama's q/k rows for ggml's interleaved rotation; qwen2/qwen3 are NEOX style.
            Interleaved = arch == "llama",
            FrequencyFactors = ReadFrequencyFactors(checkpoint, headDim),
        };
    }

    /// <summary>The llama3 per-pair divisors, when the file has a rope_freqs tensor.</summary>
    private static float[]? ReadFrequencyFactors(ICheckpoint checkpoint, int headDim)
    {
        const string name = GgufTensorNames.RopeFrequencies;
        if (!checkpoint.Contains(name)) return null;
        var t = checkpoint.Describe(name);
        if (t.Format != TensorFormat.F32 || t.Shape.Length != 1 || t.Shape[0] != headDim / 2)
            throw new InvalidCheckpointException($"{checkpoint.Path}: tensor '{name}' is {t.Format} {t.ShapeText}; RoPE frequency factors must be F32 [{headDim / 2}] (one per rotated pair of a {headDim}-wide head)");
        float[] factors = checkpoint.Tensor(name).ToFloatArray();
        for (int i = 0; i < factors.Length; i++)
            if (!float.IsFinite(factors[i]) || factors[i] <= 0)
                throw new InvalidCheckpointException($"{checkpoint.Path}: tensor '{name}' holds {factors[i]} at pair {i}; frequency factors must be positive and finite");
        return factors;
    }

    /// <summary>eos_token_id, plus the end-of-turn and end-of-message ids chat models stop on.</summary>
    private static IReadOnlyList<int> ReadEos(GgufMetadataFields m, int vocab)
    {
        var ids = new List<int>();
        foreach (string key in new[] { "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" })
            if (m.OptionalInt(key, 0, vocab - 1) is { } id && !ids.Contains(id)) ids.Add(id);
        return ids;
    }
}
