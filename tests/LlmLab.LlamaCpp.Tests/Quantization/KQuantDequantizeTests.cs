using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// LlmLab's K-quant decoders against llama.cpp's <c>dequantize_row_q*_K</c> (ggml's <c>to_float</c> in
/// LLamaSharp.Backend.Cpu's libggml-base.so), compared bit for bit.
/// </summary>
public sealed class KQuantDequantizeTests
{
    public static TheoryData<TensorFormat, string> Cases => KQuantSamples.FormatsBySample();

    public static TheoryData<TensorFormat> Formats => new(KQuantSamples.Formats);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dequantized_ggml_blocks_equal_ggml_to_float_bit_for_bit(TensorFormat format, string sample)
    {
        var s = KQuantSamples.All[sample];
        byte[] blocks = GgmlReference.Quantize(format, s.Values, s.Rows, s.RowLength);
        float[] expected = GgmlReference.Dequantize(format, blocks, s.Values.Length);

        var actual = new float[s.Values.Length];
        BlockCodec.Dequantize(format, blocks, actual);

        BlockComparison.SameValues(format, blocks, expected, actual);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Random_blocks_decode_bit_for_bit_as_ggml_decodes_them(TensorFormat format)
    {
        // Every scale, level and high-bit pattern, not only those a quantizer writes; the fp16 fields include
        // subnormals, infinities and NaNs (any NaN matches any NaN).
        const int Blocks = 512;
        int elements = Blocks * format.BlockLength();
        var blocks = new byte[Blocks * format.BytesPerBlock()];
        new Random(20261207 + (int)format).NextBytes(blocks);
        float[] expected = GgmlReference.Dequantize(format, blocks, elements);

        var actual = new float[elements];
        BlockCodec.Dequantize(format, blocks, actual);

        BlockComparison.SameValues(format, blocks, expected, actual);
    }
}
