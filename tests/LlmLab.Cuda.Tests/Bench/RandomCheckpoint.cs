using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests.Bench;

/// <summary>
/// Random-weight BF16 checkpoints with the shapes of real models, for benchmarks without downloads (decode speed
/// depends on shapes, not values). Weights are uniform in ±<see cref="Scale"/>, norms are 1. Configs follow the
/// models' Hugging Face config.json. (main's `llmlab make-random` does the same for the CLI.)
/// </summary>
internal static class RandomCheckpoint
{
    /// <summary>Half-width of the uniform weights (std ≈ 0.017, near the models' init scale).</summary>
    private const float Scale = 0.03f;

    /// <summary>Elements generated per buffer while streaming a tensor to the file.</summary>
    private const int ChunkElements = 1 << 24;

    public static readonly IReadOnlyDictionary<string, string> Presets = new Dictionary<string, string>
    {
        ["llama-3.2-1b"] = Llama(hidden: 2048, intermediate: 8192, layers: 16, heads: 32, kvHeads: 8, headDim: 64, ropeFactor: 32, tied: true),
        ["llama-3.1-8b"] = Llama(hidden: 4096, intermediate: 14336, layers: 32, heads: 32, kvHeads: 8, headDim: 128, ropeFactor: 8, tied: false),
    };

    private static string Llama(int hidden, int intermediate, int layers, int heads, int kvHeads, int headDim, double ropeFactor, bool tied) =>
        new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["attention_bias"] = false,
            ["bos_token_id"] = 128000,
            ["eos_token_id"] = 128001,
            ["head_dim"] = headDim,
            ["hidden_act"] = "silu",
            ["hidden_size"] = hidden,
            ["intermediate_size"] = intermediate,
            ["max_position_embeddings"] = 131072,
            ["mlp_bias"] = false,
            ["model_type"] = "llama",
            ["num_attention_heads"] = heads,
            ["num_hidden_layers"] = layers,
            ["num_key_value_heads"] = kvHeads,
            ["rms_norm_eps"] = 1e-5,
            ["rope_scaling"] = new JsonObject
            {
                ["factor"] = ropeFactor, ["high_freq_factor"] = 4.0, ["low_freq_factor"] = 1.0,
                ["original_max_position_embeddings"] = 8192, ["rope_type"] = "llama3",
            },
            ["rope_theta"] = 500000.0,
            ["tie_word_embeddings"] = tied,
            ["torch_dtype"] = "bfloat16",
            ["vocab_size"] = 128256,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Writes preset <paramref name="name"/> to <paramref name="directory"/> unless it is already there.</summary>
    public static string Ensure(string name, string directory)
    {
        if (!Presets.TryGetValue(name, out var configText)) throw new ArgumentException($"unknown preset {name}; known: {string.Join(", ", Presets.Keys)}");
        var done = Path.Combine(directory, ".complete");
        if (File.Exists(done)) return directory;
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), configText);
        var config = JsonNode.Parse(configText)!;
        int hidden = (int)config["hidden_size"]!, inter = (int)config["intermediate_size"]!, layers = (int)config["num_hidden_layers"]!;
        int heads = (int)config["num_attention_heads"]!, kv = (int)config["num_key_value_heads"]!, hd = (int)config["head_dim"]!, vocab = (int)config["vocab_size"]!;
        var tensors = new List<TensorToWrite>();
        int seed = 1;
        TensorToWrite Matrix(string n, long rows, long cols) { int s = seed++; return new(n, DType.BF16, [rows, cols], st => Fill(st, rows * cols, s)); }
        TensorToWrite Ones(string n, long length) => new(n, DType.BF16, [length], st => FillOnes(st, length));
        tensors.Add(Matrix("model.embed_tokens.weight", vocab, hidden));
        for (int l = 0; l < layers; l++)
        {
            string p = $"model.layers.{l}.";
            tensors.Add(Ones(p + "input_layernorm.weight", hidden));
            tensors.Add(Matrix(p + "self_attn.q_proj.weight", heads * hd, hidden));
            tensors.Add(Matrix(p + "self_attn.k_proj.weight", kv * hd, hidden));
            tensors.Add(Matrix(p + "self_attn.v_proj.weight", kv * hd, hidden));
            tensors.Add(Matrix(p + "self_attn.o_proj.weight", hidden, heads * hd));
            tensors.Add(Ones(p + "post_attention_layernorm.weight", hidden));
            tensors.Add(Matrix(p + "mlp.gate_proj.weight", inter, hidden));
            tensors.Add(Matrix(p + "mlp.up_proj.weight", inter, hidden));
            tensors.Add(Matrix(p + "mlp.down_proj.weight", hidden, inter));
        }
        tensors.Add(Ones("model.norm.weight", hidden));
        if (!(bool)config["tie_word_embeddings"]!) tensors.Add(Matrix("lm_head.weight", vocab, hidden));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors);
        File.WriteAllText(done, name);
        return directory;
    }

    private static void Fill(Stream stream, long count, int seed)
    {
        var buffer = new ushort[Math.Min(count, ChunkElements)];
        for (long done = 0, chunk = 0; done < count; done += buffer.Length, chunk++)
        {
            int n = (int)Math.Min(buffer.Length, count - done);
            const int piece = 1 << 16;
            Parallel.For(0, (n + piece - 1) / piece, p =>
            {
                ulong x = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(chunk * 4096 + p + 1) * 0xD1B54A32D192ED03UL;
                for (int i = p * piece, end = Math.Min(n, i + piece); i < end; i++)
                {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                    float u = (x >> 40) * (1f / (1 << 23)) - 1f; // uniform in [-1, 1)
                    buffer[i] = (ushort)(BitConverter.SingleToUInt32Bits(u * Scale) >> 16);
                }
            });
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
        }
    }

    private static void FillOnes(Stream stream, long count)
    {
        var one = new ushort[count];
        Array.Fill(one, FloatConversion.SingleToBF16(1f));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(one.AsSpan()));
    }
}
