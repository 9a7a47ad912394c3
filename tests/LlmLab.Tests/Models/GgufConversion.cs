using System.Runtime.InteropServices;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Tests.Models;

/// <summary>
/// Test data around llama.cpp's convert_hf_to_gguf.py: the metadata it writes for llama-tiny (hand-written, to check
/// <see cref="GgufExport"/> and <see cref="GgufModelConfig"/> against), and llama-tiny written through the production
/// export (<see cref="GgufExport"/>, which does the conversion) with a SentencePiece-style vocabulary, since the
/// fixture has no tokenizer.
/// </summary>
internal static class GgufConversion
{
    private static GgufValue U32(int v) => new(GgufValueType.UInt32, (uint)v);
    private static GgufValue F32(double v) => new(GgufValueType.Float32, (float)v);
    private static GgufValue Str(string v) => new(GgufValueType.String, v);

    /// <summary>llama-tiny's config.json (tests/fixtures/models/llama-tiny) as convert writes it; llama3 RoPE goes to a tensor.</summary>
    public static Dictionary<string, GgufValue> LlamaTinyMetadata(string arch = "llama") => new()
    {
        ["general.architecture"] = Str(arch),
        [$"{arch}.block_count"] = U32(2),
        [$"{arch}.context_length"] = U32(256),
        [$"{arch}.embedding_length"] = U32(64),
        [$"{arch}.feed_forward_length"] = U32(160),
        [$"{arch}.attention.head_count"] = U32(4),
        [$"{arch}.attention.head_count_kv"] = U32(2),
        [$"{arch}.attention.key_length"] = U32(16),
        [$"{arch}.attention.value_length"] = U32(16),
        [$"{arch}.attention.layer_norm_rms_epsilon"] = F32(1e-5),
        [$"{arch}.rope.freq_base"] = F32(500000),
        [$"{arch}.rope.dimension_count"] = U32(16),
        [$"{arch}.vocab_size"] = U32(512),
        ["tokenizer.ggml.bos_token_id"] = U32(1),
        ["tokenizer.ggml.eos_token_id"] = U32(2),
    };

    /// <summary>A copy of an F32 HF model folder whose q_proj/k_proj rows are permuted as convert does (HF names kept).</summary>
    public static string WritePermutedCopy(string directory, ModelConfig config)
    {
        string copy = Fixtures.TempDir();
        foreach (string name in new[] { "config.json", "generation_config.json" })
            File.Copy(Path.Combine(directory, name), Path.Combine(copy, name));
        using var file = SafetensorsFile.Open(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName));
        var tensors = file.Names.Select(name =>
        {
            var t = file.Tensor(name);
            float[] values = t.ToFloatArray();
            int? heads = name.EndsWith("q_proj.weight", StringComparison.Ordinal) ? config.NumHeads
                : name.EndsWith("k_proj.weight", StringComparison.Ordinal) ? config.NumKvHeads : null;
            if (heads is { } n) values = GgufExport.PermuteRows(values, n, (int)t.Shape[0], (int)t.Shape[1]);
            return TensorToWrite.FromBytes(name, DType.F32, t.Shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }).ToList();
        SafetensorsWriter.Write(Path.Combine(copy, SafetensorsCheckpoint.SingleFileName), tensors);
        return copy;
    }

    /// <summary>
    /// A SentencePiece-style vocabulary of <paramref name="size"/> tokens (&lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, 256 byte
    /// tokens, placeholders) for the tiny fixtures, which have no tokenizer, so that llama.cpp loads them.
    /// </summary>
    public static Dictionary<string, GgufValue> PlaceholderVocabulary(int size)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        tokens.AddRange(Enumerable.Range(tokens.Count, size - tokens.Count).Select(i => $"\u2581t{i}"));
        int[] types = tokens.Select((t, i) => i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1).ToArray();
        return new()
        {
            ["tokenizer.ggml.model"] = Str("llama"),
            ["tokenizer.ggml.tokens"] = new(GgufValueType.Array, tokens.ToArray(), GgufValueType.String),
            ["tokenizer.ggml.scores"] = new(GgufValueType.Array, new float[tokens.Count], GgufValueType.Float32),
            ["tokenizer.ggml.token_type"] = new(GgufValueType.Array, types, GgufValueType.Int32),
        };
    }

    /// <summary>A tiny fixture model (<paramref name="fixture"/>) exported by <see cref="GgufExport"/> in <paramref name="mix"/>, with <see cref="PlaceholderVocabulary"/>.</summary>
    public static void WriteFixtureGguf(string fixture, string path, string mix = "F32")
    {
        using var files = ModelFiles.Open(Fixtures.Model(fixture), QuantizationMix.Parse(mix));
        GgufExport.Write(path, files, vocabulary: PlaceholderVocabulary(files.Config.VocabSize));
    }

    /// <summary>llama-tiny as convert would write an F32 GGUF: permuted q/k, GGUF names, rope_freqs, its metadata.</summary>
    public static void WriteLlamaTinyGguf(string path) => WriteFixtureGguf("llama-tiny", path);
}
