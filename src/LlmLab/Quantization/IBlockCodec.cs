using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>Encodes fp32 rows into one storage format's blocks and decodes them back.</summary>
public interface IBlockCodec
{
    /// <summary>The format this codec writes and reads.</summary>
    TensorFormat Format { get; }

    /// <summary>
    /// Encodes <paramref name="values"/> (a whole number of blocks) into <paramref name="blocks"/>
    /// (exactly <see cref="TensorFormats.RowBytes"/> of the values' length), as ggml's reference quantizer
    /// does without an importance matrix.
    /// </summary>
    void Quantize(ReadOnlySpan<float> values, Span<byte> blocks);

    /// <summary>Decodes <paramref name="blocks"/> into <paramref name="values"/>, as ggml's <c>dequantize_row_*</c> does.</summary>
    void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values);
}
