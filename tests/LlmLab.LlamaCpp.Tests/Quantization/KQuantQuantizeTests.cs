using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// LlmLab's K-quant encoders against llama.cpp's: <c>ggml_quantize_chunk</c> without an importance matrix (the
/// <c>quantize_row_q*_K_ref</c> functions) in LLamaSharp.Backend.Cpu's libggml-base.so.
/// </summary>
public sealed class KQuantQuantizeTests
{
    public static TheoryData<TensorFormat, string> Cases => KQuantSamples.FormatsBySample();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Quantized_bytes_equal_ggml_quantize_chunk(TensorFormat format, string sample)
    {
        var s = KQuantSamples.All[sample];
        byte[] expected = GgmlReference.Quantize(format, s.Values, s.Rows, s.RowLength);

        var actual = new byte[expected.Length];
        BlockCodec.Quantize(format, s.Values, actual);

        BlockComparison.SameBytes(format, s.Values, expected, actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Quantizing_row_by_row_gives_the_bytes_of_the_whole_tensor(TensorFormat format, string sample)
    {
        var s = KQuantSamples.All[sample];
        byte[] expected = GgmlReference.Quantize(format, s.Values, s.Rows, s.RowLength);

        int rowBytes = (int)format.RowBytes(s.RowLength);
        var actual = new byte[expected.Length];
        for (int row = 0; row < s.Rows; row++)
            BlockCodec.Quantize(format, s.Values.AsSpan(row * s.RowLength, s.RowLength), actual.AsSpan(row * rowBytes, rowBytes));

        BlockComparison.SameBytes(format, s.Values, expected, actual);
    }
}
