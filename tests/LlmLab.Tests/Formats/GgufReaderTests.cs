using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>
/// Valid files built byte by byte with <see cref="RawGguf"/> (layout of docs/gguf.md): what the reader exposes —
/// version, metadata, tensor infos with the shape outermost first, the data section's place, zero-copy views.
/// </summary>
public sealed class GgufReaderTests
{
    /// <summary>
    /// A version 2 file as llama.cpp's converters wrote them from August to October 2023: same layout as v3
    /// (u64 counts and lengths), here with two tensors, a string array and the default alignment.
    /// </summary>
    private static RawGguf Version2File() =>
        new RawGguf().Header(tensors: 2, kvs: 3, version: 2)
            .KvString("general.architecture", "llama")
            .KvU32("llama.block_count", 1)
            .ArrayOf("tokenizer.ggml.tokens", GgufValueType.String, 3).Str("<s>").Str("</s>").Str("▁the")
            .Tensor("token_embd.weight", [4, 3], 0, 0)   // F32 [3, 4]: 48 bytes at 0
            .Tensor("output_norm.weight", [4], 1, 64)     // F16 [4]: 8 bytes at 64 (48 padded to 64)
            .Pad().Data(64 + 8);

    [Fact]
    public void Version_2_file_is_read_with_its_metadata_and_tensors()
    {
        using var f = GgufFile.Open(Version2File().Write());
        Assert.Equal(2u, f.Version);
        Assert.Equal("llama", f.Metadata["general.architecture"].AsString());
        Assert.Equal(1L, f.Metadata["llama.block_count"].AsInt64());
        Assert.Equal(["<s>", "</s>", "▁the"], f.Metadata["tokenizer.ggml.tokens"].AsStringArray()!);
        Assert.Equal(["token_embd.weight", "output_norm.weight"], f.Names);
    }

    [Fact]
    public void Shape_is_outermost_first_the_reverse_of_ggml_ne()
    {
        using var f = GgufFile.Open(Version2File().Write());
        var t = f.Describe("token_embd.weight");
        Assert.Equal([3L, 4L], t.Shape);
        Assert.Equal(TensorFormat.F32, t.Format);
        Assert.Equal(48, t.Bytes);
        Assert.Equal(f.Path, t.File);
        Assert.Equal([4L, 3L], f.Info("token_embd.weight").Dimensions);
        Assert.Equal(0u, f.Info("token_embd.weight").GgmlType);
    }

    [Fact]
    public void Data_section_starts_at_the_end_of_the_tensor_infos_padded_to_32_bytes()
    {
        var raw = Version2File();
        using var f = GgufFile.Open(raw.Write());
        Assert.Equal(32, f.Alignment);
        Assert.Equal(raw.Length - 72, f.DataOffset);
        Assert.Equal(0, f.DataOffset % 32);
    }

    [Fact]
    public void Tensor_view_points_at_the_tensor_bytes_in_the_mapping()
    {
        var raw = Version2File();
        var bytes = raw.ToArray();
        using var f = GgufFile.Open(raw.Write());
        var view = f.Tensor("output_norm.weight");
        Assert.Equal(TensorFormat.F16, view.Format);
        Assert.Equal([4L], view.Shape);
        Assert.Equal(bytes.AsSpan((int)f.DataOffset + 64, 8).ToArray(), view.Bytes.ToArray());
        Assert.Equal(bytes.AsSpan((int)f.DataOffset, 48).ToArray(), f.Tensor("token_embd.weight").Bytes.ToArray());
    }

    [Fact]
    public void Alignment_comes_from_general_alignment_and_places_the_data_section()
    {
        var raw = new RawGguf().Header(1, 1).KvU32("general.alignment", 256).Tensor("w", [8], 0, 0).Pad(256).Data(32);
        using var f = GgufFile.Open(raw.Write());
        Assert.Equal(256, f.Alignment);
        Assert.Equal(256, f.DataOffset);
    }

    [Fact]
    public void File_without_tensors_opens_with_an_empty_data_section_right_after_the_metadata()
    {
        var raw = new RawGguf().Header(0, 1).KvString("general.name", "vocab only");
        using var f = GgufFile.Open(raw.Write());
        Assert.Empty(f.Names);
        Assert.Equal(raw.Length, f.DataOffset);
    }

    [Fact]
    public void Metadata_keeps_file_order_in_the_list_and_the_dictionary()
    {
        string[] keys = ["z.last", "a.first", "m.middle"];
        var raw = new RawGguf().Header(0, 3);
        foreach (var k in keys) raw.KvU32(k, 1);
        using var f = GgufFile.Open(raw.Write());
        Assert.Equal(keys, f.MetadataEntries.Select(e => e.Key));
        Assert.Equal(keys, f.Metadata.Keys);
    }

    [Fact]
    public void Tensors_may_be_stored_out_of_file_order_and_with_gaps()
    {
        var raw = new RawGguf().Header(2, 0).Tensor("second", [8], 0, 64).Tensor("first", [8], 0, 0).Pad().Data(96);
        using var f = GgufFile.Open(raw.Write());
        Assert.Equal(["second", "first"], f.Names);
        Assert.Equal(64, f.Info("second").Offset);
        Assert.Equal(1, f.Tensor("first").Bytes[0]); // filler starts at 1
        Assert.Equal(65, f.Tensor("second").Bytes[0]);
    }

    [Fact]
    public void Block_quantized_tensor_reports_bytes_from_its_block_geometry()
    {
        // Q4_K (ggml type 12): 256 elements in 144 bytes; 2 rows of 512 = 4 blocks = 576 bytes.
        var raw = new RawGguf().Header(1, 0).Tensor("blk.0.ffn_up.weight", [512, 2], 12, 0).Pad().Data(576);
        using var f = GgufFile.Open(raw.Write());
        var t = f.Describe("blk.0.ffn_up.weight");
        Assert.Equal(TensorFormat.Q4_K, t.Format);
        Assert.Equal([2L, 512L], t.Shape);
        Assert.Equal(576, t.Bytes);
        Assert.Equal(576, f.Tensor("blk.0.ffn_up.weight").ByteLength);
    }

    [Fact]
    public void Malformed_UTF8_in_a_string_value_becomes_replacement_characters()
    {
        var raw = new RawGguf().Header(0, 1).Key("tokenizer.ggml.pre", GgufValueType.String).StrBytes([0x61, 0xFF, 0x62]);
        using var f = GgufFile.Open(raw.Write());
        Assert.Equal("a\uFFFDb", f.Metadata["tokenizer.ggml.pre"].AsString());
    }

    [Fact]
    public void Unknown_tensor_name_is_reported_with_the_file()
    {
        string path = Version2File().Write();
        using var f = GgufFile.Open(path);
        Assert.False(f.Contains("output.weight"));
        Rejection.Expect<InvalidCheckpointException>(() => f.Describe("output.weight"), path, "no tensor named 'output.weight'");
        Rejection.Expect<InvalidCheckpointException>(() => f.Tensor("output.weight"), path, "no tensor named 'output.weight'");
    }

    [Fact]
    public void Views_are_refused_after_the_file_is_disposed()
    {
        var f = GgufFile.Open(Version2File().Write());
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Tensor("token_embd.weight"));
        f.Dispose(); // a second Dispose is harmless
    }

    [Fact]
    public unsafe void Tensor_past_the_first_4_GiB_is_found_through_64_bit_offsets()
    {
        // A 5 GiB I8 tensor, then a small F32 one: a sparse file, so the test writes ~100 bytes, not 5 GiB.
        const long big = 5L << 30;
        var raw = new RawGguf().Header(2, 0).Tensor("big", [(ulong)big], 24, 0).Tensor("tail", [8], 0, (ulong)big).Pad();
        string path = raw.Write();
        long dataOffset = raw.Length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(dataOffset + big + 32);
            stream.Position = dataOffset + big;
            stream.Write(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        }
        using var f = GgufFile.Open(path);
        Assert.Equal(big, f.Describe("big").Bytes);
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (byte)i), f.Tensor("tail").Bytes.ToArray());
        Assert.Equal(0, f.Tensor("big").Data[big - 1]);
    }

    [Fact]
    public void Gguf_file_is_an_ICheckpoint()
    {
        using ICheckpoint c = GgufFile.Open(Version2File().Write());
        Assert.True(c.Contains("output_norm.weight"));
        Assert.Equal(4, c.Describe("output_norm.weight").Elements);
    }
}
