using LlmLab.Models;
using LlmLab.Models.Architectures;
using LlmLab.Tensors;
using LlmLab.Tokenization;

namespace LlmLab.Formats;

/// <summary>
/// Writes a model (a Hugging Face folder or a GGUF file, seen through a <see cref="QuantizationMix"/>) as a GGUF file
/// llama.cpp loads. A Hugging Face folder gets the metadata llama.cpp's convert_hf_to_gguf.py writes for
/// llama/qwen2/qwen3 (general.*, {arch}.*, tokenizer.ggml.*), llama3 RoPE as a <c>rope_freqs.weight</c> tensor,
/// llama.cpp's tensor names (<c>blk.N.*</c>) and, for llama, convert's q/k row permutation. A GGUF input keeps its
/// metadata (file type updated), names and tensor order. Tensors are converted and written one at a time: at most one
/// converted tensor is in memory.
/// </summary>
/// <remarks>
/// The q/k permutation is applied to the rows of the already-quantized tensor, as it is written. Row-wise formats
/// encode each row on its own, so permuting encoded rows gives the same bytes as quantizing permuted floats.
/// </remarks>
public static class GgufExport
{
    /// <summary>ggml's <c>GGML_QNT_VERSION</c>: the block layouts of this version (convert and llama-quantize write it).</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>llama.cpp's <c>llama_ftype</c> ids (include/llama.h) of the mixes in <see cref="QuantizationMix.All"/>.</summary>
    private static readonly Dictionary<string, uint> FileTypes = new(StringComparer.Ordinal)
    {
        ["F32"] = 0, ["F16"] = 1, ["Q4_0"] = 2, ["Q4_1"] = 3, ["Q8_0"] = 7, ["Q5_0"] = 8, ["Q5_1"] = 9,
        ["Q2_K"] = 10, ["Q3_K_M"] = 12, ["Q3_K_L"] = 13, ["Q4_K_S"] = 14, ["Q4_K_M"] = 15, ["Q5_K_S"] = 16,
        ["Q5_K_M"] = 17, ["Q6_K"] = 18, ["IQ4_NL"] = 25, ["IQ4_XS"] = 30, ["BF16"] = 32,
    };

    /// <summary>GGUF architecture names for LlmLab model types (Mistral is llama.cpp's llama).</summary>
    private static readonly Dictionary<string, string> ArchitectureNames = new(StringComparer.Ordinal)
    {
        ["llama"] = "llama", ["mistral"] = "llama", ["qwen2"] = "qwen2", ["qwen3"] = "qwen3",
    };

    /// <summary>Bytes a tensor is written in when its rows are permuted (one row at a time would mean many tiny writes).</summary>
    private const int CopyChunkBytes = 1 << 20;

    /// <summary>llama.cpp's <c>general.file_type</c> for <paramref name="mix"/>.</summary>
    public static uint FileType(QuantizationMix mix) =>
        FileTypes.TryGetValue(mix.Name, out uint id) ? id : throw new InvalidOptionException($"{mix.Name}: no llama.cpp file type is known for this mix");

    /// <summary>One tensor handed to the writer: its position (0-based) of <paramref name="Count"/>, name, format and bytes.</summary>
    public sealed record Progress(int Index, int Count, string Name, TensorFormat Format, long Bytes);

    /// <summary>
    /// Writes <paramref name="files"/> (opened with the mix to apply, <see cref="ModelFiles.Open"/>) to
    /// <paramref name="path"/> through <see cref="GgufWriter"/> (temporary file + rename). For a folder without a
    /// tokenizer.json, <paramref name="vocabulary"/> supplies the <c>tokenizer.ggml.*</c> keys.
    /// <paramref name="onTensor"/> is called before each tensor is converted.
    /// </summary>
    /// <exception cref="InvalidTokenizerException">The folder's tokenizer cannot be exported (or is missing and no vocabulary is given).</exception>
    /// <exception cref="InvalidConfigException">The model's RoPE scaling has no GGUF form.</exception>
    public static void Write(string path, ModelFiles files, Action<Progress>? onTensor = null, IReadOnlyDictionary<string, GgufValue>? vocabulary = null)
    {
        var mix = (files.Checkpoint as QuantizedCheckpoint)?.Mix;
        var metadata = Metadata(files, mix, vocabulary);
        var tensors = Tensors(files, onTensor);
        GgufWriter.Write(path, metadata, tensors);
    }

    /// <summary>The metadata of the exported file (see <see cref="Write"/>), in convert's order for a folder.</summary>
    public static List<KeyValuePair<string, GgufValue>> Metadata(ModelFiles files, QuantizationMix? mix, IReadOnlyDictionary<string, GgufValue>? vocabulary = null)
    {
        var source = (files.Checkpoint as QuantizedCheckpoint)?.Base ?? files.Checkpoint;
        List<KeyValuePair<string, GgufValue>> entries;
        if (source is GgufFile gguf)
        {
            entries = gguf.MetadataEntries.ToList();
            if (mix is not null) Set(entries, "general.file_type", U32(FileType(mix)));
        }
        else
        {
            entries = ConfigMetadata(files.Config, System.IO.Path.GetFileName(files.Path), mix).ToList();
            foreach (var kv in vocabulary ?? FolderVocabulary(files)) Set(entries, kv.Key, kv.Value);
        }
        Set(entries, "general.quantization_version", U32(QuantizationVersion));
        return entries;
    }

    /// <summary>
    /// convert_hf_to_gguf.py's general.* and {arch}.* keys for <paramref name="config"/> (set_gguf_parameters):
    /// u32 integers, f32 floats; llama also gets vocab_size and rope.dimension_count; linear RoPE scaling as keys.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, GgufValue>> ConfigMetadata(ModelConfig config, string name, QuantizationMix? mix)
    {
        string arch = ArchitectureName(config);
        string K(string suffix) => $"{arch}.{suffix}";
        yield return new("general.architecture", Str(arch));
        yield return new("general.type", Str("model"));
        yield return new("general.name", Str(name));
        yield return new(K("block_count"), U32(config.NumLayers));
        yield return new(K("context_length"), U32(config.MaxPositionEmbeddings));
        yield return new(K("embedding_length"), U32(config.HiddenSize));
        yield return new(K("feed_forward_length"), U32(config.IntermediateSize));
        yield return new(K("attention.head_count"), U32(config.NumHeads));
        yield return new(K("attention.head_count_kv"), U32(config.NumKvHeads));
        yield return new(K("rope.freq_base"), F32(config.Rope.Theta));
        yield return new(K("attention.layer_norm_rms_epsilon"), F32(config.RmsNormEps));
        yield return new(K("attention.key_length"), U32(config.HeadDim));
        yield return new(K("attention.value_length"), U32(config.HeadDim));
        if (mix is not null) yield return new("general.file_type", U32(FileType(mix)));
        if (arch == "llama")
        {
            yield return new(K("vocab_size"), U32(config.VocabSize));
            yield return new(K("rope.dimension_count"), U32(config.HeadDim));
        }
        switch (config.Rope.Type)
        {
            case "linear":
                yield return new(K("rope.scaling.type"), Str("linear"));
                yield return new(K("rope.scaling.factor"), F32(config.Rope.Factor));
                break;
            case "default" or "llama3": break; // llama3 goes to rope_freqs.weight
            default: throw new InvalidConfigException($"{name}: RoPE type '{config.Rope.Type}' has no GGUF form LlmLab writes; supported: default, linear, llama3");
        }
        if (config.BosTokenId is { } bos) yield return new("tokenizer.ggml.bos_token_id", U32(bos));
        if (config.EosTokenIds.Count > 0) yield return new("tokenizer.ggml.eos_token_id", U32(config.EosTokenIds[0]));
    }

    /// <summary>The GGUF architecture name for <paramref name="config"/>'s model type.</summary>
    /// <exception cref="InvalidConfigException">A model type with no llama.cpp architecture here.</exception>
    public static string ArchitectureName(ModelConfig config) =>
        ArchitectureNames.TryGetValue(config.ModelType, out string? arch) ? arch
            : throw new InvalidConfigException($"model_type '{config.ModelType}' has no GGUF export; supported: {string.Join(", ", ArchitectureNames.Keys)}");

    /// <summary>The tokenizer.json (+ tokenizer_config.json) of a model folder as tokenizer.ggml.* keys.</summary>
    private static Dictionary<string, GgufValue> FolderVocabulary(ModelFiles files)
    {
        string tokenizerPath = System.IO.Path.Combine(files.Path, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
            throw new InvalidTokenizerException($"{tokenizerPath}: no such file; a GGUF file carries its vocabulary, so the model folder needs its tokenizer.json");
        string configPath = System.IO.Path.Combine(files.Path, "tokenizer_config.json");
        return GgufVocabularyExport.FromJson(tokenizerPath, File.ReadAllText(tokenizerPath),
            File.Exists(configPath) ? File.ReadAllText(configPath) : null, files.Config.VocabSize);
    }

    /// <summary>
    /// The tensors to write, each with a callback that converts it (through the mix) into a buffer of its own, writes
    /// it (rows permuted for llama q/k from a folder) and frees the buffer.
    /// </summary>
    public static List<GgufTensorToWrite> Tensors(ModelFiles files, Action<Progress>? onTensor = null)
    {
        var checkpoint = files.Checkpoint;
        var source = (checkpoint as QuantizedCheckpoint)?.Base ?? checkpoint;
        var list = new List<(string Source, string Target, int? PermuteHeads)>();
        if (source is GgufFile)
            list.AddRange(checkpoint.Names.Select(n => (n, n, (int?)null)));
        else
        {
            bool permute = ArchitectureName(files.Config) == "llama";
            foreach (var t in TensorManifest.Expected(files.Config, files.Names))
                list.Add((t.Name, GgufName(t), !permute ? null : t.Role == TensorRole.Query ? files.Config.NumHeads : t.Role == TensorRole.Key ? files.Config.NumKvHeads : null));
        }

        var result = new List<GgufTensorToWrite>();
        if (source is not GgufFile && files.Config.Rope.Type == "llama3")
        {
            float[] factors = Llama3Factors(files.Config.Rope, files.Config.HeadDim);
            result.Add(GgufTensorToWrite.FromFloats(GgufTensorNames.RopeFrequencies, [factors.Length], factors));
        }
        int count = list.Count + result.Count, index = result.Count;
        foreach (var (sourceName, targetName, heads) in list)
        {
            var d = checkpoint.Describe(sourceName);
            int i = index++;
            result.Add(new GgufTensorToWrite(targetName, d.Format, d.Shape, stream =>
            {
                onTensor?.Invoke(new Progress(i, count, targetName, d.Format, d.Bytes));
                WriteTensor(checkpoint, sourceName, d, heads, stream);
            }));
        }
        return result;
    }

    /// <summary>Converts one tensor into native memory, writes it (rows permuted when <paramref name="heads"/> is set) and frees it.</summary>
    private static unsafe void WriteTensor(ICheckpoint checkpoint, string name, CheckpointTensor d, int? heads, Stream stream)
    {
        byte* data = null;
        try
        {
            byte* bytes;
            if (checkpoint is QuantizedCheckpoint q)
            {
                data = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)Math.Max(d.Bytes, 1), 64);
                q.EncodeTo(name, data, d.Bytes);
                bytes = data;
            }
            else bytes = checkpoint.Tensor(name).Data;
            if (heads is not { } n)
            {
                for (long offset = 0; offset < d.Bytes; offset += CopyChunkBytes)
                    stream.Write(new ReadOnlySpan<byte>(bytes + offset, (int)Math.Min(CopyChunkBytes, d.Bytes - offset)));
                return;
            }
            long rows = d.Shape[0], rowBytes = d.Bytes / rows;
            int headDim = checked((int)(rows / n));
            for (long r = 0; r < rows; r++)
                stream.Write(new ReadOnlySpan<byte>(bytes + PermutedSourceRow(r, headDim) * rowBytes, checked((int)rowBytes)));
        }
        finally
        {
            if (data is not null) System.Runtime.InteropServices.NativeMemory.AlignedFree(data);
        }
    }

    /// <summary>
    /// convert's llama q/k permutation, <c>w.reshape(n, 2, d/2, cols).swapaxes(1, 2).reshape(rows, cols)</c>: output
    /// row <paramref name="row"/> = h·d + 2b + a takes source row h·d + a·(d/2) + b (a ∈ {0, 1}, b &lt; d/2, d the
    /// head width <paramref name="headDim"/>), so the rotate-half pairs (i, i + d/2) become ggml's adjacent pairs.
    /// </summary>
    public static long PermutedSourceRow(long row, int headDim)
    {
        long head = row / headDim, r = row % headDim;
        return head * headDim + (r % 2) * (headDim / 2) + r / 2;
    }

    /// <summary><see cref="PermutedSourceRow"/> applied to a row-major [rows, cols] float matrix of <paramref name="heads"/> heads.</summary>
    public static float[] PermuteRows(float[] w, int heads, int rows, int cols)
    {
        int headDim = rows / heads;
        var result = new float[w.Length];
        for (int r = 0; r < rows; r++)
            Array.Copy(w, PermutedSourceRow(r, headDim) * cols, result, (long)r * cols, cols);
        return result;
    }

    /// <summary>
    /// convert's llama3 rope_freqs (LlamaModel.generate_extra_tensors): per-pair divisors of the fp32 base
    /// frequencies, computed in double — 1 above the high-frequency wavelength, the factor below the low one, smooth
    /// between.
    /// </summary>
    public static float[] Llama3Factors(RopeConfig rope, int headDim)
    {
        var baseFreqs = (rope with { Type = "default", FrequencyFactors = null }).InverseFrequencies(headDim);
        double lowWavelen = rope.OriginalMaxPositions / rope.LowFreqFactor, highWavelen = rope.OriginalMaxPositions / rope.HighFreqFactor;
        return baseFreqs.Select(freq =>
        {
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) return 1f;
            if (wavelen > lowWavelen) return (float)rope.Factor;
            double smooth = (rope.OriginalMaxPositions / wavelen - rope.LowFreqFactor) / (rope.HighFreqFactor - rope.LowFreqFactor);
            return (float)(1 / ((1 - smooth) / rope.Factor + smooth));
        }).ToArray();
    }

    /// <summary>llama.cpp's name for a manifest tensor (role and layer through <see cref="GgufTensorNames.Decoder"/>).</summary>
    public static string GgufName(ExpectedTensor t)
    {
        var g = GgufTensorNames.Decoder;
        string pattern = t.Role switch
        {
            TensorRole.Embedding => g.Embedding,
            TensorRole.FinalNorm => g.FinalNorm,
            TensorRole.OutputHead => g.OutputHead,
            TensorRole.AttentionNorm => g.AttentionNorm,
            TensorRole.Query => g.Query,
            TensorRole.Key => g.Key,
            TensorRole.Value => g.Value,
            TensorRole.AttentionOutput => g.Output,
            TensorRole.QueryBias => g.QueryBias,
            TensorRole.KeyBias => g.KeyBias,
            TensorRole.ValueBias => g.ValueBias,
            TensorRole.OutputBias => g.OutputBias,
            TensorRole.QueryNorm => g.QueryNorm,
            TensorRole.KeyNorm => g.KeyNorm,
            TensorRole.MlpNorm => g.MlpNorm,
            TensorRole.Gate => g.Gate,
            TensorRole.Up => g.Up,
            TensorRole.Down => g.Down,
            _ => throw new InvalidCheckpointException($"tensor '{t.Name}' has role {t.Role}, which has no GGUF name"),
        };
        return t.Layer is { } l ? TensorNames.Layer(pattern, l) : pattern;
    }

    private static void Set(List<KeyValuePair<string, GgufValue>> entries, string key, GgufValue value)
    {
        int i = entries.FindIndex(e => e.Key == key);
        if (i >= 0) entries[i] = new(key, value);
        else entries.Add(new(key, value));
    }

    private static GgufValue U32(long v) => new(GgufValueType.UInt32, checked((uint)v));
    private static GgufValue F32(double v) => new(GgufValueType.Float32, (float)v);
    private static GgufValue Str(string v) => new(GgufValueType.String, v);
}
