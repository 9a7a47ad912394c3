using System.Buffers.Binary;
using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>
/// The FP8 KV cache's row codec (<c>--kv-type fp8</c>): each head of a cached K or V row is stored as its fp32 scale
/// (amax / 448, little-endian) followed by its <see cref="HeadDim"/> values divided by the scale in
/// <see cref="Fp8E4M3"/>, so every head uses the whole E4M3 range. A "block" is one head: 4 + headDim bytes.
/// Decoding multiplies each E4M3 value by the head's scale. A head of zeros has scale 0 and decodes to zeros.
/// </summary>
internal sealed class Fp8HeadCodec(int headDim) : IBlockCodec
{
    /// <summary>Bytes of the scale before each head's values.</summary>
    public const int ScaleBytes = sizeof(float);

    /// <summary>Elements per head (the block length).</summary>
    public int HeadDim { get; } = headDim > 0 ? headDim : throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "a head has at least one element");

    /// <inheritdoc />
    public TensorFormat Format => TensorFormat.F8_E4M3;

    /// <summary>Bytes of <paramref name="heads"/> heads.</summary>
    public long Bytes(long heads) => heads * (ScaleBytes + HeadDim);

    /// <inheritdoc />
    public void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        int heads = CheckedHeads(values.Length, blocks.Length);
        for (int h = 0; h < heads; h++)
        {
            var output = blocks.Slice(h * (ScaleBytes + HeadDim), ScaleBytes + HeadDim);
            float scale = Fp8E4M3.EncodeScaled(values.Slice(h * HeadDim, HeadDim), output[ScaleBytes..]);
            BinaryPrimitives.WriteSingleLittleEndian(output, scale);
        }
    }

    /// <inheritdoc />
    public void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        int heads = CheckedHeads(values.Length, blocks.Length);
        for (int h = 0; h < heads; h++)
        {
            var input = blocks.Slice(h * (ScaleBytes + HeadDim), ScaleBytes + HeadDim);
            Fp8E4M3.DecodeScaled(input[ScaleBytes..], BinaryPrimitives.ReadSingleLittleEndian(input), values.Slice(h * HeadDim, HeadDim));
        }
    }

    private int CheckedHeads(int elements, int bytes)
    {
        if (elements % HeadDim != 0 || bytes != Bytes(elements / HeadDim))
            throw new ArgumentException($"FP8 KV rows: {elements} values and {bytes} bytes are not whole heads of {HeadDim} (+{ScaleBytes} scale bytes each)");
        return elements / HeadDim;
    }
}
