using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>
/// Tensor entries and their byte ranges: dtype, shape, and data_offsets that must tile the data buffer
/// from 0 with no gap, overlap or trailing bytes (the reference implementation's <c>validate</c>).
/// </summary>
public sealed class SafetensorsLayoutTests
{
    [Fact]
    public void Unknown_dtype_names_the_tensor_and_the_dtype()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F128", "shape": [2], "data_offsets": [0, 32]}}""", 32,
            "tensor 'w'", "dtype 'F128'", "does not read");
    }

    [Fact]
    public void Dtype_names_are_case_sensitive_as_in_the_reference_reader()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "f32", "shape": [2], "data_offsets": [0, 8]}}""", 8,
            "tensor 'w'", "dtype 'f32'");
    }

    [Fact]
    public void Negative_dimension_names_the_tensor_and_the_axis()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 8]}}""", 8,
            "tensor 'w'", "shape[1] is -1", "negative");
    }

    [Theory]
    [InlineData("2.5")]
    [InlineData("2.0")]
    [InlineData("2e0")]
    [InlineData("\"2\"")]
    [InlineData("null")]
    [InlineData("[2]")]
    [InlineData("18446744073709551616")]
    public void Non_integer_dimension_names_the_tensor_and_the_axis(string dim)
    {
        RawSafetensors.AssertRejected($$$"""{"w": {"dtype": "F32", "shape": [1, {{{dim}}}], "data_offsets": [0, 8]}}""", 8,
            "tensor 'w'", "shape[1]", "not an integer");
    }

    [Fact]
    public void Shape_whose_byte_size_overflows_64_bits_is_rejected_with_checked_arithmetic()
    {
        // 2^62 × 2^62 elements: unchecked, the product wraps to 0 and would match data_offsets [0, 0].
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [4611686018427387904, 4611686018427387904], "data_offsets": [0, 0]}}""", 0,
            "tensor 'w'", "overflows a 64-bit byte count");
    }

    [Fact]
    public void Shape_whose_element_count_fits_but_byte_size_overflows_is_rejected()
    {
        // 2^62 elements fit in a long; × 4 bytes does not (unchecked it wraps to 0).
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 0]}}""", 0,
            "tensor 'w'", "overflows");
    }

    [Fact]
    public void Byte_range_that_differs_from_shape_times_dtype_size_names_both_sizes()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}}""", 12,
            "tensor 'w'", "spans 12 bytes", "needs 8");
    }

    [Fact]
    public void Offsets_that_do_not_start_at_zero_are_a_gap_before_the_first_tensor()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12,
            "gap of 4 bytes before tensor 'w'", "contiguous from 0");
    }

    [Fact]
    public void Overlapping_tensors_name_the_tensor_that_starts_inside_the_other()
    {
        RawSafetensors.AssertRejected("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12,
            "tensor 'b' starts at 4", "overlapping", "ends at 8");
    }

    [Fact]
    public void Two_tensors_sharing_one_byte_range_are_overlapping()
    {
        RawSafetensors.AssertRejected("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}""", 8,
            "starts at 0", "overlapping");
    }

    [Fact]
    public void Gap_between_tensors_names_the_tensor_after_it()
    {
        RawSafetensors.AssertRejected("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}}""", 20,
            "gap of 4 bytes before tensor 'b'");
    }

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_rejected()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 13,
            "5 trailing bytes after the last tensor");
    }

    [Fact]
    public void Data_offsets_with_end_before_begin_name_the_tensor()
    {
        RawSafetensors.AssertRejected("""{"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}}""", 8,
            "tensor 'w'", "data_offsets end 4 is before begin 8");
    }

    [Theory]
    [InlineData("[-8, 0]", "begin")]
    [InlineData("[0, 8.0]", "end")]
    [InlineData("[0, \"8\"]", "end")]
    public void Data_offset_that_is_not_a_non_negative_integer_names_the_tensor_and_the_end(string offsets, string which)
    {
        RawSafetensors.AssertRejected($$$"""{"w": {"dtype": "F32", "shape": [2], "data_offsets": {{{offsets}}}}}""", 8,
            "tensor 'w'", $"data_offsets {which}", "not a non-negative 64-bit integer");
    }

    [Fact]
    public void Truncated_file_names_the_tensor_that_runs_past_the_end_and_says_to_download_again()
    {
        RawSafetensors.AssertRejected("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}""", 12,
            "tensor 'b' ends at byte 16", "holds only 12", "truncated", "download it again");
    }

    [Fact]
    public void Fixture_checkpoint_cut_short_by_one_byte_is_reported_as_truncated()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.Model("llama-tiny"), "model.safetensors"));
        string path = RawSafetensors.Write(bytes[..^1]);
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "truncated", "download it again");
    }
}
