using System.Text;
using System.Text.Json;
using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>A tensor to write: its name, dtype, shape, and a callback that writes exactly its bytes.</summary>
public sealed record TensorToWrite(string Name, DType DType, long[] Shape, Action<Stream> WriteData)
{
    /// <summary>Bytes the callback must write.</summary>
    public long ByteLength => Shape.Aggregate((long)DType.SizeOf(), (a, d) => checked(a * d));

    /// <summary>A tensor whose bytes are already in memory.</summary>
    public static TensorToWrite FromBytes(string name, DType dtype, long[] shape, byte[] bytes) =>
        new(name, dtype, shape, s => s.Write(bytes));

    /// <summary>An F32 tensor from an array.</summary>
    public static TensorToWrite FromFloats(string name, long[] shape, float[] values) =>
        FromBytes(name, DType.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>An I64 tensor from an array.</summary>
    public static TensorToWrite FromInt64(string name, long[] shape, long[] values) =>
        FromBytes(name, DType.I64, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}

/// <summary>Writes safetensors files (layout in <see cref="SafetensorsHeader"/>), streaming tensor data so multi-GB files need no buffer.</summary>
public static class SafetensorsWriter
{
    /// <summary>Header alignment; the reference writer pads the header with spaces to a multiple of 8.</summary>
    private const int HeaderAlignment = 8;

    /// <summary>Writes <paramref name="tensors"/> in order to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var t in tensors)
        {
            // A file the reader rejects must not be written: duplicate names would leave orphaned data
            // (trailing bytes), and "__metadata__" is reserved by the format.
            if (t.Name == "__metadata__" || header.ContainsKey(t.Name))
                throw new ArgumentException($"tensor name '{t.Name}' is {(t.Name == "__metadata__" ? "reserved by the safetensors format" : "given twice")}", nameof(tensors));
            if (t.Shape.Any(d => d < 0))
                throw new ArgumentException($"tensor '{t.Name}' has a negative dimension in shape [{string.Join(", ", t.Shape)}]", nameof(tensors));
            long end;
            try { end = checked(offset + t.ByteLength); }
            catch (OverflowException e) { throw new ArgumentException($"tensor '{t.Name}' shape [{string.Join(", ", t.Shape)}] overflows a 64-bit byte count", nameof(tensors), e); }
            header[t.Name] = new { dtype = t.DType.SafetensorsName(), shape = t.Shape, data_offsets = new[] { offset, end } };
            offset = end;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + HeaderAlignment - 1) / HeaderAlignment * HeaderAlignment;
        string tmp = path + ".partial";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                stream.Write(BitConverter.GetBytes((ulong)padded));
                stream.Write(json);
                for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var t in tensors)
                {
                    long before = stream.Position;
                    t.WriteData(stream);
                    if (stream.Position - before != t.ByteLength)
                        throw new InvalidOperationException($"tensor '{t.Name}': wrote {stream.Position - before} bytes, expected {t.ByteLength}");
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            // Leave no half-written file behind for a later reader to trip over.
            File.Delete(tmp);
            throw;
        }
    }
}
