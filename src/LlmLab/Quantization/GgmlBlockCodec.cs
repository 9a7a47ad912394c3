using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>
/// A ggml block type coded one block at a time: checks that values and bytes are the same whole number of
/// blocks, then hands each block's slice to the format. Blocks are independent in every type here (no state
/// carries from one to the next), so a tensor may be split anywhere on a block boundary, and codecs hold no
/// mutable state: one instance serves any number of threads quantizing different rows.
/// </summary>
internal abstract class GgmlBlockCodec(TensorFormat format) : IBlockCodec
{
    private readonly int _length = format.BlockLength();
    private readonly int _bytes = format.BytesPerBlock();

    public TensorFormat Format { get; } = format;

    /// <summary>Encodes one block: <paramref name="x"/> has BlockLength values, <paramref name="y"/> BytesPerBlock bytes.</summary>
    protected abstract void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y);

    /// <summary>Decodes one block: <paramref name="y"/> has BytesPerBlock bytes, <paramref name="x"/> BlockLength values.</summary>
    protected abstract void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x);

    public void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        int n = CheckLengths(values.Length, blocks.Length);
        for (int b = 0; b < n; b++)
            QuantizeBlock(values.Slice(b * _length, _length), blocks.Slice(b * _bytes, _bytes));
    }

    public void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        int n = CheckLengths(values.Length, blocks.Length);
        for (int b = 0; b < n; b++)
            DequantizeBlock(blocks.Slice(b * _bytes, _bytes), values.Slice(b * _length, _length));
    }

    // Returns the number of blocks. The same message as BlockCodec gives, for callers that use a codec directly.
    private int CheckLengths(int values, int bytes)
    {
        if (values % _length != 0)
            throw new ArgumentException($"{values} {Format} values are not a whole number of {_length}-element blocks");
        int n = values / _length;
        if ((long)n * _bytes != bytes)
            throw new ArgumentException($"{values} {Format} values take {(long)n * _bytes} bytes, not {bytes}");
        return n;
    }
}
