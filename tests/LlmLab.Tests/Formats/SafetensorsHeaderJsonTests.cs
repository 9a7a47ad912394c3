using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>The header's bytes as text and JSON: UTF-8, object shape, metadata and duplicate keys, as the reference reader checks them.</summary>
public sealed class SafetensorsHeaderJsonTests
{
    private const string OneTensor = """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""";

    [Fact]
    public void Header_that_does_not_start_with_a_brace_is_rejected()
    {
        RawSafetensors.AssertRejected(" " + OneTensor, 8,
            "header", "does not start with '{'");
    }

    [Fact]
    public void Header_that_is_JSON_but_not_an_object_is_rejected()
    {
        RawSafetensors.AssertRejected("""[{"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}]""", 8,
            "header", "not a JSON object");
    }

    [Fact]
    public void Header_with_invalid_UTF8_is_rejected()
    {
        var header = Encoding.UTF8.GetBytes("{\"w\u00e9\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}");
        int accent = Array.IndexOf(header, (byte)0xC3);
        header[accent] = 0xFF; // 0xFF never occurs in UTF-8
        string path = RawSafetensors.Write(RawSafetensors.Bytes(header, RawSafetensors.Filler(8)));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "header", "not valid UTF-8");
    }

    [Fact]
    public void Header_with_invalid_JSON_is_rejected()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]""" + "        ", 8,
            "header", "not valid JSON");
    }

    [Fact]
    public void Header_with_a_trailing_comma_is_rejected_as_the_reference_reader_does()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},}""", 8,
            "header", "not valid JSON");
    }

    [Fact]
    public void Header_with_a_lone_surrogate_escape_in_a_tensor_name_is_rejected()
    {
        RawSafetensors.AssertRejected("""{"w\ud800": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 8,
            "header", "invalid \\u escape");
    }

    [Fact]
    public void Metadata_with_a_non_string_value_names_the_metadata_field()
    {
        RawSafetensors.AssertRejected("""{"__metadata__": {"format": "pt", "step": 1200}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 8,
            "__metadata__ field 'step'", "must be strings");
    }

    [Fact]
    public void Metadata_that_is_not_an_object_is_rejected()
    {
        RawSafetensors.AssertRejected("""{"__metadata__": ["pt"], "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 8,
            "__metadata__", "must be an object of strings");
    }

    [Fact]
    public void Null_metadata_is_read_as_no_metadata_as_the_reference_reader_does()
    {
        string path = RawSafetensors.Write("""{"__metadata__": null, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Metadata);
        Assert.Equal(["w"], file.Names);
    }

    [Fact]
    public void Duplicate_tensor_names_in_the_header_are_rejected()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8,
            "tensor 'w'", "appears twice");
    }

    [Fact]
    public void Tensor_entry_that_is_not_an_object_names_the_tensor()
    {
        RawSafetensors.AssertRejected("""{"w": [0, 8]}""", 8,
            "tensor 'w'", "must be an object");
    }

    [Theory]
    [InlineData("""{"w": {"shape": [2], "data_offsets": [0, 8]}}""", "'dtype'")]
    [InlineData("""{"w": {"dtype": "F32", "data_offsets": [0, 8]}}""", "'shape'")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2]}}""", "'data_offsets'")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 16]}}""", "'data_offsets'")]
    public void Tensor_entry_missing_a_field_names_the_tensor_and_the_field(string header, string field)
    {
        RawSafetensors.AssertRejected(header, 8,
            "tensor 'w'", field);
    }
}
