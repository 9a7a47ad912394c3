using System.Runtime.InteropServices;

namespace LlmLab.Tensors;

/// <summary>
/// A read-only view of one tensor's bytes inside a memory-mapped file (or other native memory
/// owned elsewhere). No copy is made; the view is valid while its owner (for example a
/// <see cref="Formats.SafetensorsFile"/>) is open.
/// </summary>
public sealed unsafe class TensorView
{
    /// <summary>Creates a view over <paramref name="byteLength"/> bytes at <paramref name="data"/>.</summary>
    public TensorView(string name, TensorFormat format, long[] shape, byte* data, long byteLength)
    {
        Name = name;
        Format = format;
        Shape = shape;
        Data = data;
        ByteLength = byteLength;
    }

    /// <summary>Tensor name as stored in the file.</summary>
    public string Name { get; }

    /// <summary>Storage format as in the file (an element type or a block type).</summary>
    public TensorFormat Format { get; }

    /// <summary>Shape, outermost dimension first.</summary>
    public long[] Shape { get; }

    /// <summary>Pointer to the first byte.</summary>
    public byte* Data { get; }

    /// <summary>Size in bytes (from the format's block geometry).</summary>
    public long ByteLength { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => checked(a * d));

    /// <summary>The bytes as a span (tensors above 2 GiB must be read through <see cref="Data"/>).</summary>
    public ReadOnlySpan<byte> Bytes => ByteLength <= int.MaxValue
        ? new ReadOnlySpan<byte>(Data, (int)ByteLength)
        : throw new InvalidOperationException($"tensor '{Name}' is {ByteLength} bytes, more than a span can hold; read it through Data");

    /// <summary>The elements reinterpreted as <typeparamref name="T"/>.</summary>
    public ReadOnlySpan<T> As<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    /// <summary>Shape as text, e.g. <c>[4096, 128256]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>The whole tensor converted to fp32 (for small tensors and tests), row by row (an FP8 row carries its scale).</summary>
    public float[] ToFloatArray()
    {
        var result = new float[checked((int)ElementCount)];
        if (Shape.Length == 0 || result.Length == 0) { FloatConversion.ToSingle(Format, Data, result); return result; }
        int row = checked((int)Shape[^1]);
        long rowBytes = Format.RowBytes(row);
        for (int r = 0; r < result.Length / row; r++) FloatConversion.ToSingle(Format, Data + r * rowBytes, result.AsSpan(r * row, row));
        return result;
    }

    /// <summary>An I64 or I32 tensor's elements as longs.</summary>
    public long[] ToInt64Array() => Format switch
    {
        TensorFormat.I64 => As<long>().ToArray(),
        TensorFormat.I32 => Array.ConvertAll(As<int>().ToArray(), v => (long)v),
        _ => throw new InvalidCheckpointException($"tensor '{Name}' is {Format}, expected I64 or I32 token ids"),
    };
}
