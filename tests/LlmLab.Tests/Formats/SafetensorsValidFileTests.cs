using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>Files the reader must accept: every dtype through <see cref="SafetensorsWriter"/>, and the legal edge cases of the format.</summary>
public sealed class SafetensorsValidFileTests
{
    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static TheoryData<DType> AllDTypes => new(Enum.GetValues<DType>());

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Every_dtype_round_trips_through_the_writer_with_its_name_shape_and_bytes(DType dtype)
    {
        long[] shape = [3, 2];
        var bytes = RandomBytes(6 * dtype.SizeOf(), seed: (int)dtype);
        string path = Path.Combine(Fixtures.TempDir(), "model.safetensors");
        SafetensorsWriter.Write(path, [TensorToWrite.FromBytes("t", dtype, shape, bytes)]);

        using var file = SafetensorsFile.Open(path);
        var view = file.Tensor("t");
        Assert.Equal(TensorFormats.FromDType(dtype), view.Format);
        Assert.Equal(shape, view.Shape);
        Assert.Equal(bytes, view.Bytes.ToArray());
    }

    [Fact]
    public void All_dtypes_in_one_file_round_trip_with_their_metadata()
    {
        var contents = Enum.GetValues<DType>().ToDictionary(t => $"t.{t}", t => (DType: t, Bytes: RandomBytes(5 * t.SizeOf(), (int)t)));
        string path = Path.Combine(Fixtures.TempDir(), "model.safetensors");
        SafetensorsWriter.Write(path, contents.Select(c => TensorToWrite.FromBytes(c.Key, c.Value.DType, [5], c.Value.Bytes)).ToArray(),
            new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(contents.Keys.Order(), file.Names.Order());
        foreach (var (name, (dtype, bytes)) in contents)
        {
            Assert.Equal(TensorFormats.FromDType(dtype), file.Tensor(name).Format);
            Assert.Equal(bytes, file.Tensor(name).Bytes.ToArray());
        }
    }

    [Theory]
    [InlineData("F8_E4M3", DType.F8E4M3)]
    [InlineData("F8_E5M2", DType.F8E5M2)]
    public void FP8_tensors_are_readable_as_raw_bytes(string dtypeName, DType dtype)
    {
        string path = RawSafetensors.Write($$$"""{"w": {"dtype": "{{{dtypeName}}}", "shape": [2, 3], "data_offsets": [0, 6]}}""", 6);
        using var file = SafetensorsFile.Open(path);
        var view = file.Tensor("w");
        Assert.Equal(TensorFormats.FromDType(dtype), view.Format);
        Assert.Equal(RawSafetensors.Filler(6), view.Bytes.ToArray());
    }

    [Fact]
    public void Zero_element_tensor_is_valid_and_reads_as_no_bytes()
    {
        string path = RawSafetensors.Write(
            """{"empty": {"dtype": "F32", "shape": [0, 4096], "data_offsets": [0, 0]}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.Tensor("empty").ByteLength);
        Assert.True(file.Tensor("empty").Bytes.IsEmpty);
        Assert.Equal(RawSafetensors.Filler(8), file.Tensor("w").Bytes.ToArray());
    }

    [Fact]
    public void File_holding_only_a_zero_element_tensor_has_no_data_buffer_and_is_valid()
    {
        string path = RawSafetensors.Write("""{"empty": {"dtype": "BF16", "shape": [3, 0], "data_offsets": [0, 0]}}""");
        using var file = SafetensorsFile.Open(path);
        Assert.True(file.Tensor("empty").Bytes.IsEmpty);
    }

    [Fact]
    public void Scalar_tensor_with_an_empty_shape_holds_one_element()
    {
        string path = RawSafetensors.Write("""{"s": {"dtype": "I64", "shape": [], "data_offsets": [0, 8]}}""", 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(1, file.Tensor("s").ElementCount);
    }

    [Fact]
    public void Header_padded_with_trailing_spaces_is_valid()
    {
        string path = RawSafetensors.Write("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""" + new string(' ', 13), 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(RawSafetensors.Filler(8), file.Tensor("w").Bytes.ToArray());
    }

    [Fact]
    public void Empty_header_object_is_a_valid_file_with_no_tensors()
    {
        string path = RawSafetensors.Write("{}");
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Names);
    }

    [Fact]
    public void Tensors_listed_out_of_offset_order_are_valid()
    {
        string path = RawSafetensors.Write(
            """{"b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(RawSafetensors.Filler(8)[4..], file.Tensor("b").Bytes.ToArray());
    }

    [Fact]
    public void Asking_for_a_tensor_the_file_lacks_names_the_file_and_the_tensor()
    {
        string path = RawSafetensors.Write("{}");
        using var file = SafetensorsFile.Open(path);
        Rejection.Expect<InvalidCheckpointException>(() => file.Tensor("lm_head.weight"), path, "no tensor named 'lm_head.weight'");
    }

    [Fact]
    public void Writer_refuses_two_tensors_with_the_same_name()
    {
        string path = Path.Combine(Fixtures.TempDir(), "model.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [TensorToWrite.FromFloats("w", [1], [1f]), TensorToWrite.FromFloats("w", [1], [2f])]));
        Assert.Contains("'w'", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Writer_refuses_a_tensor_named_like_the_metadata_key()
    {
        string path = Path.Combine(Fixtures.TempDir(), "model.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [TensorToWrite.FromFloats("__metadata__", [1], [1f])]));
        Assert.Contains("reserved", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_leaves_no_file_behind_when_a_tensor_writes_the_wrong_byte_count()
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "model.safetensors");
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(path,
            [new TensorToWrite("w", DType.F32, [2], s => s.Write(new byte[4]))]));
        Assert.Empty(Directory.GetFiles(dir));
    }
}
