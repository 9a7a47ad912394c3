using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>
/// One defect per file, each built field by field with <see cref="RawGguf"/>: every one is rejected with an
/// <see cref="InvalidCheckpointException"/> whose one-line message names the file, the key or tensor, and the problem.
/// The checks are gguf.cpp's (ggml/src/gguf.cpp, gguf_init_from_reader) and the ones it lacks.
/// </summary>
public sealed class GgufCorruptFileTests
{
    private const uint F32 = 0, Q8_0 = 8, IQ2_XXS = 16;

    // ---- file, magic, version, counts ----

    [Fact]
    public void Missing_file_is_reported_as_not_found()
    {
        string path = Path.Combine(Fixtures.TempDir(), "absent.gguf");
        Rejection.Expect<InvalidCheckpointException>(() => GgufFile.Open(path), path, "not found");
    }

    [Fact]
    public void Empty_file_says_the_download_failed() =>
        RawGguf.AssertRejected([], "empty", "0 bytes");

    [Fact]
    public void File_shorter_than_the_magic_says_it_is_too_short() =>
        RawGguf.AssertRejected([0x47, 0x47, 0x00], "3 bytes", "too short");

    [Fact]
    public void Wrong_magic_shows_the_bytes_found() =>
        new RawGguf().Raw([0x00, 0x01, 0x02, 0x03]).U32(3).U64(0).U64(0).AssertRejected("not a GGUF file", "00010203", "'GGUF'");

    [Fact]
    public void Git_lfs_pointer_saved_as_the_model_is_recognised() =>
        RawGguf.AssertRejected(Encoding.ASCII.GetBytes("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n"), "Git LFS pointer");

    [Fact]
    public void Safetensors_file_opened_as_gguf_is_recognised() =>
        new RawGguf().U64(2).Raw("{}"u8).U64(0).U64(0).AssertRejected("safetensors file, not GGUF");

    [Fact]
    public void Legacy_ggjt_file_is_recognised() =>
        new RawGguf().Raw("tjgg"u8).U32(3).U64(0).U64(0).AssertRejected("legacy ggml", "convert it to GGUF");

    [Fact]
    public void Version_1_is_refused_with_the_reason() =>
        RawGguf.OneTensor(version: 1).AssertRejected("version 1", "not supported");

    [Fact]
    public void Version_from_the_future_is_refused() =>
        RawGguf.OneTensor(version: 4).AssertRejected("GGUF version 4", "versions 2 and 3");

    [Fact]
    public void Version_0_is_refused() =>
        RawGguf.OneTensor(version: 0).AssertRejected("GGUF version 0");

    [Fact]
    public void Big_endian_file_is_recognised_from_its_version_bytes() =>
        RawGguf.OneTensor(version: 0x03000000).AssertRejected("0x03000000", "big-endian");

    [Fact]
    public void Header_cut_after_the_version_names_the_tensor_count() =>
        RawGguf.AssertRejected(new RawGguf().Raw("GGUF"u8).U32(3).U32(0).U32(0).U32(0).U32(0).ToArray()[..12], "tensor count", "runs past the end");

    [Fact]
    public void Absurd_tensor_count_is_refused_before_any_allocation() =>
        new RawGguf().Header(tensors: ulong.MaxValue, kvs: 0).Data(64).AssertRejected("tensor count 18446744073709551615", "limit");

    [Fact]
    public void Absurd_kv_count_is_refused_before_any_allocation() =>
        new RawGguf().Header(tensors: 0, kvs: 1UL << 40).Data(64).AssertRejected("key-value count 1099511627776", "limit");

    [Fact]
    public void Counts_that_the_bytes_left_cannot_hold_are_refused() =>
        // 1000 tensor infos need at least 33 000 bytes; 64 follow.
        new RawGguf().Header(tensors: 1000, kvs: 0).Data(64).AssertRejected("1000 tensors", "at least 33000 bytes", "only 64 bytes follow");

    // ---- metadata ----

    [Fact]
    public void Key_length_above_the_limit_names_the_entry() =>
        new RawGguf().Header(0, 1).Str("general.name", declaredLength: ulong.MaxValue).U32(8).Str("x").AssertRejected("metadata key 0 of 1", "18446744073709551615", "limit");

    [Fact]
    public void Key_running_past_the_end_of_the_file_is_refused() =>
        new RawGguf().Header(0, 1).Str("general.name", declaredLength: 4000).U32(8).Str("x").AssertRejected("metadata key 0 of 1", "4000 bytes", "runs past the end");

    [Fact]
    public void Empty_key_is_refused() =>
        new RawGguf().Header(0, 1).Key("", GgufValueType.UInt32).U32(1).AssertRejected("metadata key 0 of 1", "empty");

    [Fact]
    public void Key_that_is_not_UTF8_is_refused() =>
        new RawGguf().Header(0, 1).StrBytes([0x61, 0xC3, 0x28]).U32((uint)GgufValueType.UInt32).U32(1).AssertRejected("metadata key 0 of 1", "not valid UTF-8", "61C328");

    [Fact]
    public void Duplicate_key_is_refused() =>
        new RawGguf().Header(0, 2).KvString("general.name", "a").KvString("general.name", "b").AssertRejected("key 'general.name'", "appears twice");

    [Fact]
    public void Unknown_value_type_names_the_key() =>
        new RawGguf().Header(0, 1).Key("general.odd", (GgufValueType)13).U32(0).AssertRejected("key 'general.odd'", "unknown value type 13");

    [Fact]
    public void Bool_other_than_0_or_1_names_the_key() =>
        new RawGguf().Header(0, 1).Key("general.flag", GgufValueType.Bool).U8(2).AssertRejected("key 'general.flag'", "bool byte 2");

    [Fact]
    public void Bool_array_element_other_than_0_or_1_names_the_element() =>
        new RawGguf().Header(0, 1).ArrayOf("flags", GgufValueType.Bool, 3).U8(1).U8(0).U8(7).AssertRejected("key 'flags[2]'", "bool byte 7");

    [Fact]
    public void String_value_running_past_the_end_names_the_key() =>
        new RawGguf().Header(0, 1).Key("general.name", GgufValueType.String).Str("llama", declaredLength: 1000).AssertRejected("key 'general.name'", "1000 bytes", "runs past the end");

    [Fact]
    public void String_value_above_the_64_MiB_limit_names_the_key() =>
        new RawGguf().Header(0, 1).Key("tokenizer.chat_template", GgufValueType.String).Str("x", declaredLength: 1UL << 40).AssertRejected("key 'tokenizer.chat_template'", "1099511627776", "limit");

    [Fact]
    public void Truncated_scalar_value_names_the_key() =>
        new RawGguf().Header(0, 1).Key("llama.block_count", GgufValueType.UInt64).U32(7).AssertRejected("key 'llama.block_count'", "runs past the end");

    [Fact]
    public void Array_count_above_the_limit_names_the_key() =>
        new RawGguf().Header(0, 1).ArrayOf("tokenizer.ggml.scores", GgufValueType.Float32, 1UL << 40).Data(16).AssertRejected("key 'tokenizer.ggml.scores'", "1099511627776 elements", "limit");

    [Fact]
    public void Array_count_the_bytes_left_cannot_hold_names_the_key() =>
        new RawGguf().Header(0, 1).ArrayOf("tokenizer.ggml.token_type", GgufValueType.Int32, 1000).Data(16).AssertRejected("key 'tokenizer.ggml.token_type'", "1000 Int32 elements", "at least 4000 bytes", "only 16 bytes follow");

    [Fact]
    public void String_array_count_is_bounded_by_eight_bytes_a_string() =>
        new RawGguf().Header(0, 1).ArrayOf("tokenizer.ggml.tokens", GgufValueType.String, 1_000_000).Str("a").AssertRejected("key 'tokenizer.ggml.tokens'", "1000000 String elements", "only 9 bytes follow");

    [Fact]
    public void String_inside_an_array_running_past_the_end_names_the_key_and_index() =>
        new RawGguf().Header(0, 1).ArrayOf("tokenizer.ggml.tokens", GgufValueType.String, 2).Str("a").Str("b", declaredLength: 500).AssertRejected("key 'tokenizer.ggml.tokens': string 1 of 2", "runs past the end");

    [Fact]
    public void Array_of_an_unknown_element_type_names_the_key() =>
        new RawGguf().Header(0, 1).ArrayOf("general.odd", (GgufValueType)42, 1).U32(0).AssertRejected("key 'general.odd'", "unknown value type 42");

    [Fact]
    public void Arrays_nested_too_deep_are_refused_before_the_stack_runs_out()
    {
        var raw = new RawGguf().Header(0, 1).Key("deep", GgufValueType.Array);
        for (int i = 0; i < 1000; i++) raw.U32((uint)GgufValueType.Array).U64(1);
        raw.AssertRejected("key 'deep[0][0][0][0][0][0][0][0]'", "nests arrays more than 8 deep");
    }

    [Fact]
    public void Alignment_that_is_not_a_power_of_two_is_refused() =>
        new RawGguf().Header(0, 1).KvU32("general.alignment", 48).AssertRejected("general.alignment", "48", "not a power of two");

    [Fact]
    public void Alignment_zero_is_refused() =>
        new RawGguf().Header(0, 1).KvU32("general.alignment", 0).AssertRejected("general.alignment", "is 0", "not a power of two");

    [Fact]
    public void Alignment_above_one_MiB_is_refused() =>
        new RawGguf().Header(0, 1).KvU32("general.alignment", 1u << 21).AssertRejected("general.alignment", "2097152", "limit");

    [Fact]
    public void Alignment_of_a_type_other_than_u32_is_refused() =>
        new RawGguf().Header(0, 1).Key("general.alignment", GgufValueType.Int32).U32(32).AssertRejected("general.alignment", "Int32", "u32");

    // ---- tensor infos ----

    [Fact]
    public void Tensor_name_longer_than_ggml_allows_is_refused() =>
        new RawGguf().Header(1, 0).Tensor(new string('n', 64), [32], F32, 0).Pad().Data(128).AssertRejected("tensor info 0 of 1: the name", "64 bytes", "63-byte limit");

    [Fact]
    public void Empty_tensor_name_is_refused() =>
        new RawGguf().Header(1, 0).Tensor("", [32], F32, 0).Pad().Data(128).AssertRejected("tensor info 0 of 1", "empty");

    [Fact]
    public void Duplicate_tensor_name_is_refused() =>
        new RawGguf().Header(2, 0).Tensor("w", [8], F32, 0).Tensor("w", [8], F32, 32).Pad().Data(64).AssertRejected("tensor 'w'", "appears twice");

    [Fact]
    public void Zero_dimensions_are_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [], F32, 0).Pad().Data(32).AssertRejected("tensor 'w'", "0 dimensions", "1 to 4");

    [Fact]
    public void Five_dimensions_are_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [1, 1, 1, 1, 1], F32, 0).Pad().Data(32).AssertRejected("tensor 'w'", "5 dimensions", "1 to 4");

    [Fact]
    public void Dimension_of_zero_is_refused_where_llama_cpp_would_divide_by_it() =>
        new RawGguf().Header(1, 0).Tensor("blk.0.attn_q.weight", [8, 0], F32, 0).Pad().Data(32).AssertRejected("tensor 'blk.0.attn_q.weight'", "ne[1] = 0", "at least 1");

    [Fact]
    public void Element_count_overflowing_64_bits_is_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [1UL << 32, 1UL << 32], F32, 0).Pad().Data(32).AssertRejected("tensor 'w'", "overflows 64 bits");

    [Fact]
    public void Byte_count_overflowing_64_bits_is_refused() =>
        // 2^31 × 2^31 = 2^62 elements fit a long; 2^62 × 4 bytes do not.
        new RawGguf().Header(1, 0).Tensor("w", [1UL << 31, 1UL << 31], F32, 0).Pad().Data(32).AssertRejected("tensor 'w'", "byte size that overflows 64 bits");

    [Fact]
    public void Dimension_above_the_signed_range_is_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [ulong.MaxValue], F32, 0).Pad().Data(32).AssertRejected("tensor 'w'", "ne[0] = 18446744073709551615");

    [Fact]
    public void Ggml_type_LlmLab_does_not_read_is_named_with_the_types_it_reads() =>
        new RawGguf().Header(1, 0).Tensor("w", [256], IQ2_XXS, 0).Pad().Data(256).AssertRejected("tensor 'w'", "ggml type 16 (IQ2_XXS)", "does not read", "Q4_K", "MXFP4");

    [Fact]
    public void Ggml_type_id_beyond_ggml_is_named() =>
        new RawGguf().Header(1, 0).Tensor("w", [32], 99, 0).Pad().Data(256).AssertRejected("tensor 'w'", "ggml type 99", "does not read");

    [Fact]
    public void Row_that_is_not_whole_blocks_is_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [40, 2], Q8_0, 0).Pad().Data(128).AssertRejected("tensor 'w'", "Q8_0", "rows of 40 elements", "32-element block");

    [Fact]
    public void Tensor_info_cut_inside_its_dimensions_names_the_tensor() =>
        RawGguf.AssertRejected(new RawGguf().Header(1, 0).Str("blk.0.attn_q.weight").U32(2).U64(8).ToArray(), "tensor 'blk.0.attn_q.weight': dimension 1", "runs past the end");

    [Fact]
    public void Offset_that_is_not_a_multiple_of_the_alignment_is_refused() =>
        new RawGguf().Header(2, 0).Tensor("a", [8], F32, 0).Tensor("b", [8], F32, 48).Pad().Data(128).AssertRejected("tensor 'b'", "data offset 48", "32-byte alignment");

    [Fact]
    public void Offset_beyond_the_signed_range_is_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [8], F32, 1UL << 63).Pad().Data(32).AssertRejected("tensor 'w'", "9223372036854775808", "beyond any file");

    [Fact]
    public void Truncated_data_section_names_the_tensor_and_both_sizes()
    {
        var full = RawGguf.OneTensor().ToArray();
        var cut = full[..^10];
        RawGguf.AssertRejected(cut, $"data section is truncated: tensor 'w' ends at byte {full.Length} but the file has {cut.Length} bytes; the download is incomplete");
    }

    [Fact]
    public void Offset_far_past_the_end_of_the_file_is_refused() =>
        new RawGguf().Header(1, 0).Tensor("w", [8], F32, 1UL << 40).Pad().Data(32).AssertRejected("data section is truncated: tensor 'w'", "the download is incomplete");

    [Fact]
    public void File_ending_before_the_data_section_starts_is_refused() =>
        // The tensor infos end at byte 57; the data section would start at 64 after padding.
        RawGguf.AssertRejected(new RawGguf().Header(1, 0).Tensor("w", [8], F32, 0).ToArray(), "data section is truncated", "starts at byte 64", "57 bytes");

    [Fact]
    public void Overlapping_tensors_are_refused() =>
        // 'a' is 64 bytes at 0; 'b' starts at 32, inside it.
        new RawGguf().Header(2, 0).Tensor("a", [16], F32, 0).Tensor("b", [8], F32, 32).Pad().Data(128).AssertRejected("'a' and 'b' overlap", "data offset 32");
}
