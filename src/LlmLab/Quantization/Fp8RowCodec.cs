using System.Buffers.Binary;
using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>
/// <see cref="TensorFormat.FP8"/> rows (<c>--quant fp8</c>): one weight row is its E4M3 codes then its fp32 scale
/// (amax / 448, <see cref="Fp8E4M3.EncodeScaled"/>), the per-output-channel FP8 of llm-compressor's checkpoints and
/// vLLM. The scale follows the codes so that every row's codes start where a 16-byte-strided device copy aligns them.
/// The codec sees one row per call: the values given are the whole row.
/// </summary>
internal sealed class Fp8RowCodec : IBlockCodec
{
    /// <inheritdoc />
    public TensorFormat Format => TensorFormat.FP8;

    /// <inheritdoc />
    public void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        Check(values.Length, blocks.Length);
        float scale = Fp8E4M3.EncodeScaled(values, blocks[..values.Length]);
        BinaryPrimitives.WriteSingleLittleEndian(blocks[values.Length..], scale);
    }

    /// <inheritdoc />
    public void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        Check(values.Length, blocks.Length);
        Fp8E4M3.DecodeScaled(blocks[..values.Length], BinaryPrimitives.ReadSingleLittleEndian(blocks[values.Length..]), values);
    }

    private static void Check(int elements, int bytes)
    {
        if (bytes != elements + TensorFormats.RowScaleBytes)
            throw new ArgumentException($"an FP8 row of {elements} values takes {elements + TensorFormats.RowScaleBytes} bytes (codes, then a {TensorFormats.RowScaleBytes}-byte scale), not {bytes}; the codec reads one row at a time");
    }
}
