using System.Buffers.Binary;
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

        KQuantAssert.SameFloats(format, expected, actual, sample);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Random_blocks_decode_bit_for_bit_as_ggml_decodes_them(TensorFormat format)
    {
        // Every scale, level and high-bit pattern, not only those a quantizer writes. The fp16 fields get random
        // finite values (a NaN payload's fate is not what this checks).
        const int Blocks = 512;
        int size = format.BytesPerBlock(), elements = Blocks * format.BlockLength();
        var blocks = new byte[Blocks * size];
        var r = new Random(20261207 + (int)format);
        r.NextBytes(blocks);
        for (int b = 0; b < Blocks; b++)
            foreach (int offset in HalfFields(format))
                BinaryPrimitives.WriteUInt16LittleEndian(blocks.AsSpan(b * size + offset), FiniteHalf(r));
        float[] expected = GgmlReference.Dequantize(format, blocks, elements);

        var actual = new float[elements];
        BlockCodec.Dequantize(format, blocks, actual);

        KQuantAssert.SameFloats(format, expected, actual, "random blocks");
    }

    // Byte offsets of the fp16 fields in a block (ggml-common.h block_q*_K).
    private static int[] HalfFields(TensorFormat format) => format switch
    {
        TensorFormat.Q2_K => [80, 82],
        TensorFormat.Q3_K => [108],
        TensorFormat.Q4_K or TensorFormat.Q5_K => [0, 2],
        TensorFormat.Q6_K => [208],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a K-quant"),
    };

    private static ushort FiniteHalf(Random r)
    {
        const ushort ExponentMask = 0x7C00; // all-ones exponent: infinity or NaN
        ushort bits;
        do bits = (ushort)r.Next(0, 1 << 16);
        while ((bits & ExponentMask) == ExponentMask);
        return bits;
    }
}
