using System.Runtime.InteropServices;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Models.Architectures;
using LlmLab.Tensors;

namespace LlmLab.Tests.Models;

/// <summary>
/// What llama.cpp's convert_hf_to_gguf.py does to a Hugging Face llama, for tests: its metadata keys
/// (set_gguf_parameters), the llama3 rope_freqs factors (generate_extra_tensors), the q/k row permutation
/// (LlamaModel.permute) and the tensor names (gguf-py's tensor map).
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

    /// <summary>qwen2-tiny's config.json as convert's Qwen2Model writes it (no key_length: heads are hidden/heads wide).</summary>
    public static Dictionary<string, GgufValue> Qwen2TinyMetadata() => new()
    {
        ["general.architecture"] = Str("qwen2"),
        ["qwen2.block_count"] = U32(2),
        ["qwen2.context_length"] = U32(256),
        ["qwen2.embedding_length"] = U32(64),
        ["qwen2.feed_forward_length"] = U32(128),
        ["qwen2.attention.head_count"] = U32(4),
        ["qwen2.attention.head_count_kv"] = U32(2),
        ["qwen2.attention.layer_norm_rms_epsilon"] = F32(1e-6),
        ["qwen2.rope.freq_base"] = F32(1e6),
        ["tokenizer.ggml.bos_token_id"] = U32(1),
        ["tokenizer.ggml.eos_token_id"] = U32(2),
    };

    /// <summary>convert's llama3 rope_freqs: per-pair divisors of the fp32 base frequencies, computed in double.</summary>
    public static float[] Llama3Factors(RopeConfig hf, int headDim)
    {
        var baseFreqs = (hf with { Type = "default" }).InverseFrequencies(headDim);
        double lowWavelen = hf.OriginalMaxPositions / hf.LowFreqFactor, highWavelen = hf.OriginalMaxPositions / hf.HighFreqFactor;
        return baseFreqs.Select(freq =>
        {
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) return 1f;
            if (wavelen > lowWavelen) return (float)hf.Factor;
            double smooth = (hf.OriginalMaxPositions / wavelen - hf.LowFreqFactor) / (hf.HighFreqFactor - hf.LowFreqFactor);
            return (float)(1 / ((1 - smooth) / hf.Factor + smooth));
        }).ToArray();
    }

    /// <summary>
    /// convert's permute, <c>w.reshape(n, 2, rows/n/2, cols).swapaxes(1, 2).reshape(rows, cols)</c>: within each
    /// head, row a·(d/2) + b moves to 2b + a (a ∈ {0, 1}, b &lt; d/2).
    /// </summary>
    public static float[] PermuteRows(float[] w, int heads, int rows, int cols)
    {
        int headDim = rows / heads, half = headDim / 2;
        var result = new float[w.Length];
        for (int h = 0; h < heads; h++)
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < half; b++)
                    Array.Copy(w, (long)(h * headDim + a * half + b) * cols, result, (long)(h * headDim + 2 * b + a) * cols, cols);
        return result;
    }

    /// <summary>An F32 tensor of a llama checkpoint with q_proj/k_proj rows permuted as convert does.</summary>
    public static float[] ConvertedValues(string hfName, TensorView t, ModelConfig config)
    {
        float[] values = t.ToFloatArray();
        int? heads = hfName.EndsWith("q_proj.weight", StringComparison.Ordinal) ? config.NumHeads
            : hfName.EndsWith("k_proj.weight", StringComparison.Ordinal) ? config.NumKvHeads : null;
        return heads is { } n ? PermuteRows(values, n, (int)t.Shape[0], (int)t.Shape[1]) : values;
    }

    /// <summary>HF → GGUF tensor name, through the two <see cref="TensorNames"/> tables.</summary>
    public static string GgufName(string hf)
    {
        var names = new TensorNames();
        if (hf == names.Embedding) return GgufTensorNames.Decoder.Embedding;
        if (hf == names.FinalNorm) return GgufTensorNames.Decoder.FinalNorm;
        if (hf == names.OutputHead) return GgufTensorNames.Decoder.OutputHead;
        string[] parts = hf.Split('.'); // model.layers.{l}.<rest>
        string rest = string.Join('.', parts[3..]);
        string pattern = typeof(TensorNames).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && (string)p.GetValue(names)! == $"model.layers.{{0}}.{rest}")
            .Select(p => (string)p.GetValue(GgufTensorNames.Decoder)!).Single();
        return TensorNames.Layer(pattern, int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

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
            float[] values = ConvertedValues(name, t, config);
            return TensorToWrite.FromBytes(name, DType.F32, t.Shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }).ToList();
        SafetensorsWriter.Write(Path.Combine(copy, SafetensorsCheckpoint.SingleFileName), tensors);
        return copy;
    }

    /// <summary>llama-tiny as convert would write an F32 GGUF (see <see cref="WriteTinyGguf"/>).</summary>
    public static void WriteLlamaTinyGguf(string path) => WriteTinyGguf("llama-tiny", path);

    /// <summary>
    /// A tiny fixture model as convert would write an F32 GGUF: GGUF names; for llama-tiny permuted q/k and the llama3
    /// rope_freqs; for qwen2-tiny the weights as they are (NEOX rotation, tied head: no output.weight); its metadata,
    /// and a 512-token SentencePiece-style vocabulary (&lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, 256 byte tokens, placeholders)
    /// so that llama.cpp loads it.
    /// </summary>
    public static void WriteTinyGguf(string model, string path)
    {
        string dir = Fixtures.Model(model);
        var hf = ModelConfigReader.Read(dir);
        bool llama = hf.ModelType == "llama";
        var tensors = new List<GgufTensorToWrite>();
        if (llama)
        {
            float[] factors = Llama3Factors(hf.Rope, hf.HeadDim);
            tensors.Add(GgufTensorToWrite.FromFloats(GgufTensorNames.RopeFrequencies, [factors.Length], factors));
        }
        using (var st = SafetensorsFile.Open(Path.Combine(dir, SafetensorsCheckpoint.SingleFileName)))
            foreach (string name in st.Names)
            {
                var t = st.Tensor(name);
                tensors.Add(GgufTensorToWrite.FromFloats(GgufName(name), t.Shape, llama ? ConvertedValues(name, t, hf) : t.ToFloatArray()));
            }
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        tokens.AddRange(Enumerable.Range(tokens.Count, hf.VocabSize - tokens.Count).Select(i => $"\u2581t{i}"));
        int[] types = tokens.Select((t, i) => i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1).ToArray();
        var metadata = llama ? LlamaTinyMetadata() : Qwen2TinyMetadata();
        metadata["tokenizer.ggml.model"] = Str("llama");
        metadata["tokenizer.ggml.tokens"] = new(GgufValueType.Array, tokens.ToArray(), GgufValueType.String);
        metadata["tokenizer.ggml.scores"] = new(GgufValueType.Array, new float[tokens.Count], GgufValueType.Float32);
        metadata["tokenizer.ggml.token_type"] = new(GgufValueType.Array, types, GgufValueType.Int32);
        GgufWriter.Write(path, metadata.ToList(), tensors);
    }
}
