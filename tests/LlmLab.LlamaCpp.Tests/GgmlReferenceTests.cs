using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests;

/// <summary>The llama.cpp reference itself: which library answers, and that bad arguments never reach it.</summary>
public sealed class GgmlReferenceTests
{
    [Fact]
    public void The_reference_is_LLamaSharps_libggml_base_and_names_its_commit()
    {
        Assert.True(File.Exists(GgmlReference.LibraryPath), GgmlReference.LibraryPath);
        Assert.EndsWith("libggml-base.so", GgmlReference.LibraryPath);
        Assert.NotEmpty(GgmlReference.Commit);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{GgmlReference.LibraryPath}: ggml {GgmlReference.Version}, commit {GgmlReference.Commit}");
    }

    [Fact]
    public void A_row_that_is_not_whole_blocks_is_refused_before_ggml_sees_it()
    {
        // ggml would abort the test process on its GGML_ASSERT; the wrapper must throw first.
        var e = Assert.Throws<ArgumentException>(() => GgmlReference.Quantize(TensorFormat.Q4_0, new float[33], 1, 33));
        Assert.Contains("Q4_0", e.Message);
        Assert.Contains("33", e.Message);
    }

    [Fact]
    public void Values_that_are_not_rows_times_row_length_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgmlReference.Quantize(TensorFormat.Q8_0, new float[64], 3, 32));
        Assert.Contains("64 values are not 3 rows of 32", e.Message);
    }

    [Fact]
    public void Bytes_that_are_not_the_elements_size_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgmlReference.Dequantize(TensorFormat.IQ4_XS, new byte[135], 256));
        Assert.Contains("IQ4_XS", e.Message);
        Assert.Contains("136 bytes, not 135", e.Message);
    }

    [Fact]
    public void A_format_without_a_ggml_type_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GgmlReference.Quantize(TensorFormat.F8_E4M3, new float[32], 1, 32));
        Assert.Contains("F8_E4M3", e.Message);
    }
}
