using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// A tensor for <see cref="GgufWriter"/>: name, storage format, shape (outermost first, the row last) and a callback
/// that writes exactly <see cref="Bytes"/> bytes to the stream it is given. The callback runs when the writer reaches
/// the tensor, so a multi-GB model can be produced (read, converted, quantized) one tensor at a time.
/// </summary>
public sealed record GgufTensorToWrite(string Name, TensorFormat Format, long[] Shape, Action<Stream> WriteData)
{
    /// <summary>Bytes the callback must write, from the format's block geometry.</summary>
    public long Bytes => Format.ByteCount(Shape);

    /// <summary>A tensor whose bytes are already in memory.</summary>
    public static GgufTensorToWrite FromBytes(string name, TensorFormat format, long[] shape, byte[] bytes) =>
        new(name, format, shape, s => s.Write(bytes));

    /// <summary>An F32 tensor from an array.</summary>
    public static GgufTensorToWrite FromFloats(string name, long[] shape, float[] values) =>
        FromBytes(name, TensorFormat.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
