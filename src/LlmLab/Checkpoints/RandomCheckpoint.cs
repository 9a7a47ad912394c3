using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Checkpoints;

/// <summary>What <see cref="RandomCheckpoint.Write"/> produced.</summary>
public sealed record RandomCheckpointResult(string Directory, string Preset, DType DType, long ParameterCount, long Bytes, int Shards, double Seconds);

/// <summary>
/// Writes a standard Hugging Face checkpoint (config.json, generation_config.json, sharded
/// safetensors + index, a tokenizer.json of the same vocabulary size) with random weights of a preset's shapes: real-size benchmarks without
/// downloads. Matrices are uniform with std 0.02 (the usual initializer range), norms near 1.
/// </summary>
public static class RandomCheckpoint
{
    /// <summary>Shard size limit; the Hub's default max_shard_size is 5 GB.</summary>
    public const long MaxShardBytes = 5_000_000_000;

    /// <summary>Elements generated per parallel chunk.</summary>
    private const int ChunkElements = 1 << 22;

    /// <summary>Writes the checkpoint for <paramref name="preset"/> into <paramref name="directory"/>.</summary>
    /// <param name="preset">The published model whose shapes are written.</param>
    /// <param name="dtype">Stored weight type: BF16, F16 or F32.</param>
    /// <param name="directory">Folder to write; checkpoint files already there are replaced.</param>
    /// <param name="seed">Seed of the weights: the same seed writes the same bytes.</param>
    /// <param name="progress">Receives the fraction of weight bytes written.</param>
    /// <param name="maxShardBytes">Largest weight file; a model above it is written as shards with an index (default <see cref="MaxShardBytes"/>).</param>
    public static RandomCheckpointResult Write(ModelPreset preset, DType dtype, string directory, int seed, IProgress<double>? progress = null, long maxShardBytes = MaxShardBytes)
    {
        if (maxShardBytes < 1) throw new InvalidOptionException($"max shard size {maxShardBytes} bytes must be positive");
        if (!dtype.IsFloatWeight()) throw new InvalidOptionException($"--dtype {dtype} must be bf16, f16 or f32");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(directory);
        string dtypeName = dtype switch { DType.F32 => "float32", DType.F16 => "float16", _ => "bfloat16" };
        File.WriteAllText(Path.Combine(directory, "config.json"), preset.ToConfigJson(dtypeName).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": 2\n}\n");
        var config = ModelConfigReader.Read(directory);
        RandomTokenizer.Write(Path.Combine(directory, "tokenizer.json"), config.VocabSize);
        var tensors = TensorManifest.Expected(config, ModelConfigReader.Architecture(config.ModelType).Names);

        // Group tensors into shards of at most MaxShardBytes, in checkpoint order.
        var shards = new List<List<(string Name, long[] Shape)>> { new() };
        long shardBytes = 0, total = 0;
        foreach (var t in tensors)
        {
            long bytes = t.Shape.Aggregate((long)dtype.SizeOf(), (a, d) => a * d);
            if (shardBytes > 0 && shardBytes + bytes > maxShardBytes) { shards.Add([]); shardBytes = 0; }
            shards[^1].Add((t.Name, t.Shape));
            shardBytes += bytes;
            total += bytes;
        }
        // Weights of an earlier checkpoint in the folder would be read beside these (or through a stale index).
        foreach (var stale in Directory.GetFiles(directory, "model*.safetensors*")) File.Delete(stale);
        var weightMap = new JsonObject();
        long written = 0;
        for (int s = 0; s < shards.Count; s++)
        {
            string file = shards.Count == 1 ? SafetensorsCheckpoint.SingleFileName : $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            var toWrite = shards[s].Select((t, i) => new TensorToWrite(t.Name, dtype, t.Shape, stream =>
            {
                WriteRandom(stream, t.Name, dtype, t.Shape, StableSeed(seed, t.Name));
                written += t.Shape.Aggregate((long)dtype.SizeOf(), (a, d) => a * d);
                progress?.Report((double)written / total);
            })).ToList();
            SafetensorsWriter.Write(Path.Combine(directory, file), toWrite, new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var t in shards[s]) weightMap[t.Name] = file;
        }
        if (shards.Count > 1)
        {
            var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
            File.WriteAllText(Path.Combine(directory, SafetensorsCheckpoint.IndexFileName), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return new RandomCheckpointResult(directory, preset.Name, dtype, config.ParameterCount, total, shards.Count, clock.Elapsed.TotalSeconds);
    }

    private static void WriteRandom(Stream stream, string name, DType dtype, long[] shape, int seed)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        bool isNorm = shape.Length == 1 && name.EndsWith("norm.weight", StringComparison.Ordinal);
        // Uniform on [-a, a] has std a/√3; a = 0.02·√3 gives the usual 0.02 initializer std.
        float center = isNorm ? 1f : 0f, halfWidth = isNorm ? 0.05f : 0.02f * MathF.Sqrt(3);
        int elementSize = dtype.SizeOf();
        var buffer = new byte[(long)Math.Min(count, ChunkElements) * elementSize];
        for (long start = 0; start < count; start += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, count - start);
            long chunkIndex = start / ChunkElements;
            const int Lanes = 16;
            int per = (n + Lanes - 1) / Lanes;
            Parallel.For(0, Lanes, lane =>
            {
                ulong state = Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(chunkIndex * Lanes + lane + 1));
                int i0 = lane * per, i1 = Math.Min(n, i0 + per);
                var bytes = buffer.AsSpan();
                for (int i = i0; i < i1; i++)
                {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                    float u = (state >> 40) * (1f / (1 << 24));       // [0, 1)
                    float v = center + (2 * u - 1) * halfWidth;
                    switch (dtype)
                    {
                        case DType.F32: MemoryMarshal.Write(bytes[(i * 4)..], v); break;
                        case DType.F16: MemoryMarshal.Write(bytes[(i * 2)..], (Half)v); break;
                        default: MemoryMarshal.Write(bytes[(i * 2)..], FloatConversion.SingleToBF16(v)); break;
                    }
                }
            });
            stream.Write(buffer, 0, n * elementSize);
        }
    }

    // string.GetHashCode is randomised per process; FNV-1a keeps files identical for a given --seed.
    private static int StableSeed(int seed, string name)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        return (int)(h ^ (uint)seed * 2654435761u);
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33; x *= 0xff51afd7ed558ccdUL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53UL; x ^= x >> 33;
        return x == 0 ? 1 : x;
    }
}
