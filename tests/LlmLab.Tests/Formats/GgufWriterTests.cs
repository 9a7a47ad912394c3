using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>
/// <see cref="GgufWriter"/> output read back with <see cref="GgufFile"/>: every value type, arrays (flat, of strings,
/// nested), tensors of several formats at alignments 32 and 64; and the writer's refusals and failure behaviour.
/// </summary>
public sealed class GgufWriterTests
{
    private const int Seed = 20_261_207;

    /// <summary>One value of every type, arrays of every element type, an empty array and a nested array.</summary>
    internal static List<KeyValuePair<string, GgufValue>> EveryValueType() =>
    [
        new("general.architecture", new(GgufValueType.String, "llama")),
        new("test.u8", new(GgufValueType.UInt8, (byte)200)),
        new("test.i8", new(GgufValueType.Int8, (sbyte)-100)),
        new("test.u16", new(GgufValueType.UInt16, (ushort)60_000)),
        new("test.i16", new(GgufValueType.Int16, (short)-30_000)),
        new("test.u32", new(GgufValueType.UInt32, 4_000_000_000u)),
        new("test.i32", new(GgufValueType.Int32, -2_000_000_000)),
        new("test.f32", new(GgufValueType.Float32, 1e-5f)),
        new("test.bool", new(GgufValueType.Bool, true)),
        new("test.string", new(GgufValueType.String, "héllo ▁world \u0000 end")),
        new("test.u64", new(GgufValueType.UInt64, ulong.MaxValue)),
        new("test.i64", new(GgufValueType.Int64, long.MinValue)),
        new("test.f64", new(GgufValueType.Float64, Math.PI)),
        new("test.arr.u8", new(GgufValueType.Array, new byte[] { 0, 1, 255 }, GgufValueType.UInt8)),
        new("test.arr.i8", new(GgufValueType.Array, new sbyte[] { -128, 0, 127 }, GgufValueType.Int8)),
        new("test.arr.u16", new(GgufValueType.Array, new ushort[] { 1, 65535 }, GgufValueType.UInt16)),
        new("test.arr.i16", new(GgufValueType.Array, new short[] { -1, 32767 }, GgufValueType.Int16)),
        new("test.arr.u32", new(GgufValueType.Array, new uint[] { 7, 8, 9 }, GgufValueType.UInt32)),
        new("test.arr.i32", new(GgufValueType.Array, new int[] { 1, 2, 3, -4 }, GgufValueType.Int32)),
        new("test.arr.f32", new(GgufValueType.Array, new float[] { 0.5f, -0f, float.NaN, float.PositiveInfinity }, GgufValueType.Float32)),
        new("test.arr.bool", new(GgufValueType.Array, new bool[] { true, false, true }, GgufValueType.Bool)),
        new("test.arr.string", new(GgufValueType.Array, new string[] { "<s>", "", "▁the", "日本" }, GgufValueType.String)),
        new("test.arr.u64", new(GgufValueType.Array, new ulong[] { 0, ulong.MaxValue }, GgufValueType.UInt64)),
        new("test.arr.i64", new(GgufValueType.Array, new long[] { long.MinValue, 5 }, GgufValueType.Int64)),
        new("test.arr.f64", new(GgufValueType.Array, new double[] { 1.5, -2.25 }, GgufValueType.Float64)),
        new("test.arr.empty", new(GgufValueType.Array, Array.Empty<uint>(), GgufValueType.UInt32)),
        new("test.arr.nested", new(GgufValueType.Array, new GgufValue[]
        {
            new(GgufValueType.Array, new uint[] { 1, 2 }, GgufValueType.UInt32),
            new(GgufValueType.Array, new string[] { "a", "bc" }, GgufValueType.String),
            new(GgufValueType.Array, new GgufValue[] { new(GgufValueType.Array, new int[] { -1 }, GgufValueType.Int32) }, GgufValueType.Array),
        }, GgufValueType.Array)),
    ];

    /// <summary>F32, F16, Q8_0 and Q4_K tensors of random bytes of the right size (3-D included).</summary>
    internal static List<(string Name, TensorFormat Format, long[] Shape, byte[] Bytes)> RandomTensors(int seed)
    {
        var rng = new Random(seed);
        var list = new List<(string, TensorFormat, long[], byte[])>();
        foreach (var (name, format, shape) in new (string, TensorFormat, long[])[]
        {
            ("token_embd.weight", TensorFormat.F32, [5, 3]),
            ("output_norm.weight", TensorFormat.F16, [7]),
            ("blk.0.attn_q.weight", TensorFormat.Q8_0, [3, 64]),
            ("blk.0.ffn_down.weight", TensorFormat.Q4_K, [2, 512]),
            ("blk.0.experts.weight", TensorFormat.Q8_0, [2, 3, 32]),
        })
        {
            var bytes = new byte[format.ByteCount(shape)];
            rng.NextBytes(bytes);
            list.Add((name, format, shape, bytes));
        }
        return list;
    }

    [Theory]
    [InlineData(32u)]
    [InlineData(64u)]
    public void Round_trip_preserves_every_value_type_and_every_tensor_byte(uint alignment)
    {
        var metadata = EveryValueType();
        metadata.Add(new(GgufHeader.AlignmentKey, new(GgufValueType.UInt32, alignment)));
        var tensors = RandomTensors(Seed);
        string path = Path.Combine(Fixtures.TempDir(), "roundtrip.gguf");
        GgufWriter.Write(path, metadata, tensors.Select(t => GgufTensorToWrite.FromBytes(t.Name, t.Format, t.Shape, t.Bytes)).ToList());

        using var f = GgufFile.Open(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal(alignment, f.Alignment);
        Assert.Equal(0, f.DataOffset % alignment);
        Assert.Equal(metadata.Select(m => m.Key), f.MetadataEntries.Select(m => m.Key));
        foreach (var (key, value) in metadata)
            AssertSameValue(value, f.Metadata[key], key);
        Assert.Equal(tensors.Select(t => t.Name), f.Names);
        foreach (var t in tensors)
        {
            var d = f.Describe(t.Name);
            Assert.Equal(t.Format, d.Format);
            Assert.Equal(t.Shape, d.Shape);
            Assert.Equal(t.Bytes.Length, d.Bytes);
            Assert.Equal(0, f.Info(t.Name).Offset % alignment);
            Assert.Equal(t.Bytes, f.Tensor(t.Name).Bytes.ToArray());
        }
    }

    /// <summary>Equal type, element type and value; arrays element by element (NaN equal to NaN), nested arrays recursively.</summary>
    internal static void AssertSameValue(GgufValue expected, GgufValue actual, string key)
    {
        Assert.True(expected.Type == actual.Type, $"{key}: type {actual.Type}, expected {expected.Type}");
        Assert.True(expected.ElementType == actual.ElementType, $"{key}: element type {actual.ElementType}, expected {expected.ElementType}");
        Assert.True(expected.Value.GetType() == actual.Value.GetType(), $"{key}: CLR type {actual.Value.GetType()}, expected {expected.Value.GetType()}");
        if (expected.Value is GgufValue[] nested)
        {
            var got = (GgufValue[])actual.Value;
            Assert.Equal(nested.Length, got.Length);
            for (int i = 0; i < nested.Length; i++) AssertSameValue(nested[i], got[i], $"{key}[{i}]");
        }
        else
            Assert.Equal(expected.Value, actual.Value); // arrays compare element-wise; float NaN equals NaN
    }

    [Fact]
    public void Written_file_pads_between_tensors_with_zeros()
    {
        string path = Path.Combine(Fixtures.TempDir(), "pad.gguf");
        GgufWriter.Write(path, [],
            GgufTensorToWrite.FromBytes("a", TensorFormat.F16, [3], [1, 2, 3, 4, 5, 6]),
            GgufTensorToWrite.FromBytes("b", TensorFormat.F16, [1], [7, 8]));
        var bytes = File.ReadAllBytes(path);
        using var f = GgufFile.Open(path);
        Assert.Equal(32, f.Info("b").Offset);
        Assert.All(bytes[(int)(f.DataOffset + 6)..(int)(f.DataOffset + 32)], b => Assert.Equal(0, b));
        Assert.Equal(f.DataOffset + 64, bytes.Length); // the last tensor is padded too, as ggml writes it
    }

    [Fact]
    public void Tensor_callbacks_run_in_order_and_stream_straight_to_the_file()
    {
        var order = new List<string>();
        string path = Path.Combine(Fixtures.TempDir(), "stream.gguf");
        GgufWriter.Write(path, [],
            new GgufTensorToWrite("first", TensorFormat.F32, [2], s => { order.Add("first"); s.Write(new byte[8]); }),
            new GgufTensorToWrite("second", TensorFormat.F32, [4], s => { order.Add("second"); Assert.False(s.CanSeek); for (int i = 0; i < 16; i++) s.WriteByte((byte)i); }));
        Assert.Equal(["first", "second"], order);
        using var f = GgufFile.Open(path);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (byte)i), f.Tensor("second").Bytes.ToArray());
    }

    [Fact]
    public void Callback_writing_too_few_bytes_fails_and_leaves_no_file()
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "short.gguf");
        var e = Assert.Throws<InvalidOperationException>(() => GgufWriter.Write(path, [],
            GgufTensorToWrite.FromBytes("w", TensorFormat.F32, [4], new byte[12])));
        Assert.Contains("tensor 'w' wrote 12 bytes", e.Message);
        Assert.Contains("has 16", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Callback_writing_too_many_bytes_is_stopped_at_the_first_extra_byte()
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "long.gguf");
        var e = Assert.Throws<InvalidOperationException>(() => GgufWriter.Write(path, [],
            GgufTensorToWrite.FromBytes("w", TensorFormat.Q8_0, [32], new byte[35])));
        Assert.Contains("tensor 'w' wrote more than its 34 bytes", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Failed_write_keeps_the_existing_file_at_the_target_unchanged()
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "model.gguf");
        File.WriteAllText(path, "previous contents");
        Assert.Throws<IOException>(() => GgufWriter.Write(path, [],
            new GgufTensorToWrite("w", TensorFormat.F32, [1], _ => throw new IOException("source disk failed"))));
        Assert.Equal("previous contents", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Data_is_written_to_a_temporary_file_in_the_target_folder_and_renamed_at_the_end()
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "model.gguf");
        string[] during = [];
        GgufWriter.Write(path, [],
            new GgufTensorToWrite("w", TensorFormat.F32, [1], s => { during = Directory.GetFiles(dir); s.Write(new byte[4]); }));
        Assert.Single(during);
        Assert.EndsWith(".partial", during[0]);
        Assert.False(File.Exists(during[0]));
        Assert.Equal(new[] { path }, Directory.GetFiles(dir));
    }

    [Fact]
    public void Successful_write_replaces_an_existing_file()
    {
        string path = Path.Combine(Fixtures.TempDir(), "model.gguf");
        File.WriteAllText(path, "previous contents");
        GgufWriter.Write(path, [new("general.name", new(GgufValueType.String, "new"))]);
        using var f = GgufFile.Open(path);
        Assert.Equal("new", f.Metadata["general.name"].AsString());
    }

    [Theory]
    [InlineData("", TensorFormat.F32, new long[] { 4 }, "empty name")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123", TensorFormat.F32, new long[] { 4 }, "63-byte limit")]
    [InlineData("w", TensorFormat.F8_E4M3, new long[] { 4 }, "no ggml type")]
    [InlineData("w", TensorFormat.F32, new long[] { 2, 0 }, "at least 1")]
    [InlineData("w", TensorFormat.F32, new long[] { }, "1 to 4 dimensions")]
    [InlineData("w", TensorFormat.F32, new long[] { 1, 1, 1, 1, 1 }, "1 to 4 dimensions")]
    [InlineData("w", TensorFormat.Q4_K, new long[] { 2, 100 }, "256-element block")]
    public void Tensor_the_format_cannot_hold_is_refused_before_anything_is_written(string name, TensorFormat format, long[] shape, string problem)
    {
        string dir = Fixtures.TempDir();
        var e = Assert.Throws<ArgumentException>(() => GgufWriter.Write(Path.Combine(dir, "x.gguf"), [],
            new GgufTensorToWrite(name, format, shape, _ => Assert.Fail("callback must not run"))));
        Assert.Contains(problem, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Duplicate_tensor_names_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgufWriter.Write(Path.Combine(Fixtures.TempDir(), "x.gguf"), [],
            GgufTensorToWrite.FromBytes("w", TensorFormat.F16, [1], new byte[2]), GgufTensorToWrite.FromBytes("w", TensorFormat.F16, [1], new byte[2])));
        Assert.Contains("tensor 'w' is given twice", e.Message);
    }

    [Fact]
    public void Duplicate_keys_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgufWriter.Write(Path.Combine(Fixtures.TempDir(), "x.gguf"),
            [new("general.name", new(GgufValueType.String, "a")), new("general.name", new(GgufValueType.String, "b"))]));
        Assert.Contains("metadata key 'general.name' is given twice", e.Message);
    }

    [Theory]
    [InlineData(GgufValueType.Int32, 64, "must be a u32")]
    [InlineData(GgufValueType.UInt32, 48u, "power of two")]
    public void Bad_general_alignment_is_refused(GgufValueType type, object value, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => GgufWriter.Write(Path.Combine(Fixtures.TempDir(), "x.gguf"),
            [new(GgufHeader.AlignmentKey, new(type, value))]));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Value_whose_CLR_type_does_not_match_its_GGUF_type_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgufWriter.Write(Path.Combine(Fixtures.TempDir(), "x.gguf"),
            [new("llama.block_count", new(GgufValueType.UInt32, 16))]));
        Assert.Contains("metadata 'llama.block_count': a UInt32 value cannot hold a Int32", e.Message);
    }

    [Fact]
    public void Array_whose_CLR_array_does_not_match_its_element_type_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgufWriter.Write(Path.Combine(Fixtures.TempDir(), "x.gguf"),
            [new("tokenizer.ggml.token_type", new(GgufValueType.Array, new long[] { 1 }, GgufValueType.Int32))]));
        Assert.Contains("metadata 'tokenizer.ggml.token_type': an array of Int32 cannot be held in a Int64[]", e.Message);
    }

    [Fact]
    public void Brown_llama_checkpoint_streams_into_a_gguf_and_reads_back_byte_for_byte()
    {
        using var source = SafetensorsCheckpoint.Open(Fixtures.BrownModel);
        var names = source.Names.ToList();
        string path = Path.Combine(Fixtures.TempDir(), "brown-llama-7m.BF16.gguf");
        // Each callback copies one tensor from the mapped safetensors file: nothing but the current tensor is touched.
        GgufWriter.Write(path, [new("general.architecture", new(GgufValueType.String, "llama"))],
            names.Select(n =>
            {
                var v = source.Tensor(n);
                return new GgufTensorToWrite(n, v.Format, v.Shape, s => s.Write(source.Tensor(n).Bytes));
            }).ToList());

        using var gguf = GgufFile.Open(path);
        Assert.Equal(names, gguf.Names);
        foreach (var n in names)
        {
            var expected = source.Tensor(n);
            var actual = gguf.Tensor(n);
            Assert.Equal(expected.Format, actual.Format);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.True(expected.Bytes.SequenceEqual(actual.Bytes), $"tensor '{n}' differs");
        }
    }
}
