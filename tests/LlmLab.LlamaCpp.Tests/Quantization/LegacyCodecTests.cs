using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// LlmLab's Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS and MXFP4 codecs against llama.cpp's C code
/// (<see cref="GgmlReference"/>): quantization byte for byte with <c>ggml_quantize_chunk</c> (no importance matrix),
/// dequantization bit for bit with ggml's <c>to_float</c>.
/// </summary>
public sealed class LegacyCodecTests
{
    private static readonly TensorFormat[] Formats =
    [
        TensorFormat.Q8_0, TensorFormat.Q4_0, TensorFormat.Q4_1, TensorFormat.Q5_0, TensorFormat.Q5_1,
        TensorFormat.IQ4_NL, TensorFormat.IQ4_XS, TensorFormat.MXFP4,
    ];

    public static TheoryData<TensorFormat, string> FormatsAndInputs()
    {
        var data = new TheoryData<TensorFormat, string>();
        foreach (var f in Formats)
            foreach (var kind in QuantizationInputs.Kinds) data.Add(f, kind);
        return data;
    }

    public static TheoryData<TensorFormat> AllFormats() => new(Formats);

    [Theory]
    [MemberData(nameof(FormatsAndInputs))]
    public void Quantize_writes_the_bytes_ggml_quantize_chunk_writes(TensorFormat format, string kind)
    {
        var x = QuantizationInputs.Make(kind);
        const int rowLength = 512;
        var expected = GgmlReference.Quantize(format, x, x.Length / rowLength, rowLength);

        var actual = new byte[expected.Length];
        BlockCodec.Quantize(format, x, actual);

        BlockComparison.SameBytes(format, x, expected, actual);
    }

    [Theory]
    [MemberData(nameof(FormatsAndInputs))]
    public void Dequantize_gives_the_values_ggml_to_float_gives(TensorFormat format, string kind)
    {
        var x = QuantizationInputs.Make(kind);
        var blocks = GgmlReference.Quantize(format, x, 1, x.Length);
        var expected = GgmlReference.Dequantize(format, blocks, x.Length);

        var actual = new float[x.Length];
        BlockCodec.Dequantize(format, blocks, actual);

        BlockComparison.SameValues(format, blocks, expected, actual);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Dequantize_of_arbitrary_bytes_matches_ggml_bit_for_bit(TensorFormat format)
    {
        // Every bit pattern is a valid block: scales include fp16 subnormals, infinities and NaNs.
        var rng = new Random(7);
        int elements = 64 * TensorFormats.SuperBlock;
        var blocks = new byte[format.RowBytes(elements)];
        rng.NextBytes(blocks);
        var expected = GgmlReference.Dequantize(format, blocks, elements);

        var actual = new float[elements];
        BlockCodec.Dequantize(format, blocks, actual);

        BlockComparison.SameValues(format, blocks, expected, actual);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Rows_of_one_to_many_blocks_quantize_as_ggml_quantizes_them(TensorFormat format)
    {
        // ggml_quantize_chunk takes rows; without an importance matrix no row-level statistic enters, so any row
        // length gives the same blocks. Checked for rows of 1, 3 and 16 blocks.
        var x = QuantizationInputs.Make("gaussian");
        foreach (int blocksPerRow in new[] { 1, 3, 16 })
        {
            int rowLength = blocksPerRow * format.BlockLength();
            int rows = x.Length / rowLength;
            var values = x.AsSpan(0, rows * rowLength).ToArray();
            var expected = GgmlReference.Quantize(format, values, rows, rowLength);

            var actual = new byte[expected.Length];
            for (int r = 0; r < rows; r++)
                BlockCodec.Quantize(format, values.AsSpan(r * rowLength, rowLength),
                    actual.AsSpan(r * (int)format.RowBytes(rowLength), (int)format.RowBytes(rowLength)));

            BlockComparison.SameBytes(format, values, expected, actual);
        }
    }
}
