using System.Runtime.InteropServices;
using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>
/// LlmLab's GGUF reader and writer against ggml's own (gguf.cpp in llama.cpp c0c7e147, via LLamaSharp.Backend.Cpu's
/// libggml-base.so): both writers produce the same bytes, ggml reads LlmLab's files with the same layout, and LlmLab
/// reads ggml's files with the same values.
/// </summary>
public sealed unsafe class GgufGgmlReferenceTests
{
    private const int Seed = 20_261_207;

    /// <summary>
    /// Metadata ggml's C API can carry: every scalar type and arrays of every element type but arrays (gguf.cpp has no
    /// nested arrays), and strings without NUL (its setters take C strings; the format itself allows NUL).
    /// </summary>
    private static List<KeyValuePair<string, GgufValue>> Metadata() =>
        GgufWriterTests.EveryValueType()
            .Where(kv => kv.Value.ElementType != GgufValueType.Array)
            .Select(kv => kv.Value.Value is string s ? new KeyValuePair<string, GgufValue>(kv.Key, new(GgufValueType.String, s.Replace("\0", ""))) : kv)
            .ToList();

    /// <summary>Writes <paramref name="metadata"/> and <paramref name="tensors"/> with ggml's gguf_write_to_file.</summary>
    private static void WriteWithGgml(string path, List<KeyValuePair<string, GgufValue>> metadata, List<(string Name, TensorFormat Format, long[] Shape, byte[] Bytes)> tensors)
    {
        nint ctx = GgufGgmlLibrary.InitEmpty(), ggml = GgufGgmlLibrary.GgmlInit(tensors.Count);
        var pins = tensors.Select(t => GCHandle.Alloc(t.Bytes, GCHandleType.Pinned)).ToList();
        try
        {
            foreach (var (key, v) in metadata) Set(ctx, key, v);
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                GgufGgmlLibrary.AddTensor(ctx, ggml, t.Name, t.Format.GgmlType()!.Value, t.Shape.Reverse().ToArray(), (void*)pins[i].AddrOfPinnedObject());
            }
            Assert.True(GgufGgmlLibrary.WriteToFile(ctx, path), "gguf_write_to_file failed");
        }
        finally
        {
            pins.ForEach(p => p.Free());
            GgufGgmlLibrary.GgmlFree(ggml);
            GgufGgmlLibrary.Free(ctx);
        }
    }

    private static void Set(nint ctx, string key, GgufValue v)
    {
        switch (v.Value)
        {
            case byte x: GgufGgmlLibrary.SetU8(ctx, key, x); break;
            case sbyte x: GgufGgmlLibrary.SetI8(ctx, key, x); break;
            case ushort x: GgufGgmlLibrary.SetU16(ctx, key, x); break;
            case short x: GgufGgmlLibrary.SetI16(ctx, key, x); break;
            case uint x: GgufGgmlLibrary.SetU32(ctx, key, x); break;
            case int x: GgufGgmlLibrary.SetI32(ctx, key, x); break;
            case float x: GgufGgmlLibrary.SetF32(ctx, key, x); break;
            case bool x: GgufGgmlLibrary.SetBool(ctx, key, x); break;
            case string x: GgufGgmlLibrary.SetString(ctx, key, x); break;
            case ulong x: GgufGgmlLibrary.SetU64(ctx, key, x); break;
            case long x: GgufGgmlLibrary.SetI64(ctx, key, x); break;
            case double x: GgufGgmlLibrary.SetF64(ctx, key, x); break;
            case string[] a: GgufGgmlLibrary.SetStrings(ctx, key, a); break;
            case bool[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)GgufValueType.Bool, a.Select(b => (byte)(b ? 1 : 0)).ToArray()); break;
            case byte[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case sbyte[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case ushort[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case short[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case uint[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case int[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case float[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case ulong[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case long[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            case double[] a: GgufGgmlLibrary.SetArray(ctx, key, (int)v.ElementType!, a); break;
            default: throw new ArgumentException($"{key}: no ggml setter for {v.Value.GetType()}");
        }
    }

    private static GgufTensorToWrite ToWrite((string Name, TensorFormat Format, long[] Shape, byte[] Bytes) t) =>
        GgufTensorToWrite.FromBytes(t.Name, t.Format, t.Shape, t.Bytes);

    [Fact]
    public void LlmLab_and_ggml_write_byte_identical_files()
    {
        GgufGgmlLibrary.RequireLibrary();
        var metadata = Metadata();
        var tensors = GgufWriterTests.RandomTensors(Seed);
        string dir = Fixtures.TempDir(), ours = Path.Combine(dir, "llmlab.gguf"), theirs = Path.Combine(dir, "ggml.gguf");
        GgufWriter.Write(ours, metadata, tensors.Select(ToWrite).ToList());
        WriteWithGgml(theirs, metadata, tensors);
        var a = File.ReadAllBytes(ours);
        var b = File.ReadAllBytes(theirs);
        int firstDifference = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], -1);
        Assert.True(a.Length == b.Length && firstDifference < 0, $"LlmLab wrote {a.Length} bytes, ggml {b.Length}; first difference at byte {firstDifference}");
    }

    [Fact]
    public void Ggml_reads_a_file_LlmLab_wrote_with_the_same_layout()
    {
        GgufGgmlLibrary.RequireLibrary();
        var metadata = Metadata();
        metadata.Add(new(GgufHeader.AlignmentKey, new(GgufValueType.UInt32, 64u)));
        var tensors = GgufWriterTests.RandomTensors(Seed);
        string path = Path.Combine(Fixtures.TempDir(), "llmlab.gguf");
        GgufWriter.Write(path, metadata, tensors.Select(ToWrite).ToList());
        using var ours = GgufFile.Open(path);

        nint ctx = GgufGgmlLibrary.InitFromFile(path);
        Assert.True(ctx != 0, "ggml's gguf_init_from_file rejected the file (its reason is on stderr)");
        try
        {
            Assert.Equal(3u, GgufGgmlLibrary.Version(ctx));
            Assert.Equal(64, GgufGgmlLibrary.Alignment(ctx));
            Assert.Equal(ours.DataOffset, GgufGgmlLibrary.DataOffset(ctx));
            Assert.Equal(metadata.Count, GgufGgmlLibrary.KeyCount(ctx));
            for (int i = 0; i < metadata.Count; i++)
            {
                var (key, value) = metadata[i];
                Assert.Equal(key, GgufGgmlLibrary.Key(ctx, i));
                Assert.Equal((int)value.Type, GgufGgmlLibrary.KeyType(ctx, i));
                if (value.Type == GgufValueType.Array)
                {
                    Assert.Equal((int)value.ElementType!, GgufGgmlLibrary.ArrayType(ctx, i));
                    Assert.Equal(((Array)value.Value).Length, GgufGgmlLibrary.ArrayLength(ctx, i));
                }
            }
            int tokens = metadata.FindIndex(kv => kv.Key == "test.arr.string");
            var strings = (string[])metadata[tokens].Value.Value;
            Assert.Equal(strings, Enumerable.Range(0, strings.Length).Select(j => GgufGgmlLibrary.ArrayString(ctx, tokens, j)));
            int u32s = metadata.FindIndex(kv => kv.Key == "test.arr.u32");
            Assert.Equal((uint[])metadata[u32s].Value.Value, new ReadOnlySpan<uint>((void*)GgufGgmlLibrary.ArrayData(ctx, u32s), 3).ToArray());
            int text = metadata.FindIndex(kv => kv.Key == "test.string");
            Assert.Equal((string)metadata[text].Value.Value, GgufGgmlLibrary.ValueString(ctx, text));

            Assert.Equal(tensors.Count, GgufGgmlLibrary.TensorCount(ctx));
            for (int i = 0; i < tensors.Count; i++)
            {
                var info = ours.Info(tensors[i].Name);
                Assert.Equal(info.Name, GgufGgmlLibrary.TensorName(ctx, i));
                Assert.Equal((int)info.GgmlType, GgufGgmlLibrary.TensorType(ctx, i));
                Assert.Equal(info.Offset, GgufGgmlLibrary.TensorOffset(ctx, i));
                Assert.Equal(info.Bytes, GgufGgmlLibrary.TensorSize(ctx, i));
            }
        }
        finally
        {
            GgufGgmlLibrary.Free(ctx);
        }
    }

    [Fact]
    public void LlmLab_reads_a_file_ggml_wrote_with_the_same_values_and_bytes()
    {
        GgufGgmlLibrary.RequireLibrary();
        var metadata = Metadata();
        var tensors = GgufWriterTests.RandomTensors(Seed + 1);
        string path = Path.Combine(Fixtures.TempDir(), "ggml.gguf");
        WriteWithGgml(path, metadata, tensors);

        using var f = GgufFile.Open(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal(metadata.Select(kv => kv.Key), f.MetadataEntries.Select(kv => kv.Key));
        foreach (var (key, value) in metadata)
            GgufWriterTests.AssertSameValue(value, f.Metadata[key], key);
        foreach (var t in tensors)
        {
            Assert.Equal(t.Format, f.Describe(t.Name).Format);
            Assert.Equal(t.Shape, f.Describe(t.Name).Shape);
            Assert.Equal(t.Bytes, f.Tensor(t.Name).Bytes.ToArray());
        }
    }
}
