using System.Runtime.InteropServices;
using System.Text;
using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// Writes GGUF version 3 files (layout in <see cref="GgufHeader"/>): metadata of every value type, tensor infos,
/// then each tensor's bytes, streamed from its callback and padded with zeros to <c>general.alignment</c> (32 when
/// the metadata does not set it). The file is written under a temporary name in the target's folder and renamed
/// over the target only when complete, so a failure never leaves a half file under the target name and never
/// touches a file already there. Only files <see cref="GgufFile"/> accepts are written (and ggml too, unless the
/// metadata nests arrays, which gguf.cpp does not read): names, shapes, types and values are checked, and each
/// callback must write exactly its tensor's byte count. Without nested arrays the bytes are those ggml's
/// <c>gguf_write_to_file</c> writes for the same metadata and tensors (checked in GgufGgmlReferenceTests).
/// </summary>
public static class GgufWriter
{
    /// <summary>Strict UTF-8: a lone surrogate in a .NET string would otherwise be written as U+FFFD and read back changed.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>File buffer: large enough that per-field writes of the header and small tensors do not each reach the OS.</summary>
    private const int FileBufferBytes = 1 << 20;

    /// <summary>Writes a GGUF file at <paramref name="path"/> with <paramref name="metadata"/> (in order) and <paramref name="tensors"/> (in order).</summary>
    /// <exception cref="ArgumentException">A key, value, name, shape or format the format cannot hold; nothing is written.</exception>
    /// <exception cref="InvalidOperationException">A tensor callback wrote a different number of bytes than its tensor has; the target is untouched.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorToWrite> tensors)
    {
        var entries = metadata.ToList();
        long alignment = CheckMetadata(entries);
        var offsets = Layout(tensors, alignment);

        path = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileBufferBytes))
            {
                using (var w = new BinaryWriter(file, StrictUtf8, leaveOpen: true))
                {
                    w.Write(GgufHeader.Magic);
                    w.Write(GgufHeader.CurrentVersion);
                    w.Write((ulong)tensors.Count);
                    w.Write((ulong)entries.Count);
                    foreach (var (key, value) in entries)
                    {
                        WriteString(w, key);
                        w.Write((uint)value.Type);
                        WriteValue(w, value, key, depth: 0);
                    }
                    for (int i = 0; i < tensors.Count; i++)
                    {
                        var t = tensors[i];
                        WriteString(w, t.Name);
                        w.Write((uint)t.Shape.Length);
                        for (int d = t.Shape.Length - 1; d >= 0; d--) w.Write((ulong)t.Shape[d]); // ne: fastest first
                        w.Write((uint)t.Format.GgmlType()!.Value);
                        w.Write((ulong)offsets[i]);
                    }
                }
                // ggml's writer pads here even without tensors; doing the same keeps the two writers' files byte-identical.
                Pad(file, alignment);
                foreach (var t in tensors)
                {
                    var counted = new GgufTensorDataStream(file, t.Name, t.Bytes);
                    t.WriteData(counted);
                    if (counted.Written != t.Bytes)
                        throw new InvalidOperationException($"{path}: tensor '{t.Name}' wrote {counted.Written} bytes, but a {t.Format} tensor of shape [{string.Join(", ", t.Shape)}] has {t.Bytes}");
                    // ggml pads after every tensor, the last included (gguf.cpp reads the data section as whole padded tensors).
                    Pad(file, alignment);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // Only the temporary file is ours to remove; whatever was at the target stays as it was.
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="metadata"/> and <paramref name="tensors"/> in order (see the list overload).</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, params GgufTensorToWrite[] tensors) =>
        Write(path, (IEnumerable<KeyValuePair<string, GgufValue>>)metadata, (IReadOnlyList<GgufTensorToWrite>)tensors);

    /// <summary>Checks keys and values; returns the alignment (<c>general.alignment</c> or 32).</summary>
    private static long CheckMetadata(List<KeyValuePair<string, GgufValue>> entries)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        long alignment = GgufHeader.DefaultAlignment;
        foreach (var (key, value) in entries)
        {
            if (string.IsNullOrEmpty(key))
                throw new ArgumentException("a metadata key is empty; GGUF keys must be non-empty", nameof(entries));
            if (Utf8Length(key, $"metadata key '{key}'") > GgufHeader.MaxKeyBytes)
                throw new ArgumentException($"metadata key '{key[..40]}…' is longer than GGUF's {GgufHeader.MaxKeyBytes}-byte limit", nameof(entries));
            if (!keys.Add(key))
                throw new ArgumentException($"metadata key '{key}' is given twice", nameof(entries));
            if (key == GgufHeader.AlignmentKey)
            {
                if (value is not { Type: GgufValueType.UInt32, Value: uint a })
                    throw new ArgumentException($"'{GgufHeader.AlignmentKey}' must be a u32 value, not {value.Type}", nameof(entries));
                if (a == 0 || (a & (a - 1)) != 0 || a > GgufHeader.MaxAlignment)
                    throw new ArgumentException($"'{GgufHeader.AlignmentKey}' is {a}; it must be a power of two up to {GgufHeader.MaxAlignment}", nameof(entries));
                alignment = a;
            }
        }
        return alignment;
    }

    /// <summary>Checks every tensor and returns its data offset (relative to the data section).</summary>
    private static long[] Layout(IReadOnlyList<GgufTensorToWrite> tensors, long alignment)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var offsets = new long[tensors.Count];
        long next = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            string shape = "[" + string.Join(", ", t.Shape) + "]";
            if (string.IsNullOrEmpty(t.Name))
                throw new ArgumentException($"tensor {i} has an empty name", nameof(tensors));
            if (Utf8Length(t.Name, $"tensor name '{t.Name}'") > GgufHeader.MaxTensorNameBytes)
                throw new ArgumentException($"tensor name '{t.Name}' is longer than ggml's {GgufHeader.MaxTensorNameBytes}-byte limit", nameof(tensors));
            if (!names.Add(t.Name))
                throw new ArgumentException($"tensor '{t.Name}' is given twice", nameof(tensors));
            if (t.Format.GgmlType() is null)
                throw new ArgumentException($"tensor '{t.Name}' is {t.Format}, which has no ggml type; GGUF stores {GgufGgmlTypeNames.Readable}", nameof(tensors));
            if (t.Shape.Length is 0 or > GgufHeader.MaxDimensions)
                throw new ArgumentException($"tensor '{t.Name}' has shape {shape}; ggml tensors have 1 to {GgufHeader.MaxDimensions} dimensions", nameof(tensors));
            if (t.Shape.Any(d => d < 1))
                throw new ArgumentException($"tensor '{t.Name}' has shape {shape}; every ggml dimension is at least 1", nameof(tensors));
            if (!t.Format.DividesRow(t.Shape[^1]))
                throw new ArgumentException($"tensor '{t.Name}' is {t.Format} with rows of {t.Shape[^1]} elements, not a multiple of the {t.Format.BlockLength()}-element block", nameof(tensors));
            try
            {
                offsets[i] = next;
                next = GgufHeader.AlignUp(checked(next + t.Bytes), alignment);
            }
            catch (OverflowException e)
            {
                throw new ArgumentException($"tensor '{t.Name}' of shape {shape} takes the file past 2^63 bytes", nameof(tensors), e);
            }
        }
        return offsets;
    }

    private static int Utf8Length(string s, string what)
    {
        try { return StrictUtf8.GetByteCount(s); }
        catch (EncoderFallbackException e) { throw new ArgumentException($"{what} is not valid Unicode (a lone surrogate)", e); }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes;
        try { bytes = StrictUtf8.GetBytes(s); }
        catch (EncoderFallbackException e) { throw new ArgumentException($"string '{s}' is not valid Unicode (a lone surrogate)", e); }
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue v, string key, int depth)
    {
        switch (v.Type, v.Value)
        {
            case (GgufValueType.UInt8, byte x): w.Write(x); break;
            case (GgufValueType.Int8, sbyte x): w.Write(x); break;
            case (GgufValueType.UInt16, ushort x): w.Write(x); break;
            case (GgufValueType.Int16, short x): w.Write(x); break;
            case (GgufValueType.UInt32, uint x): w.Write(x); break;
            case (GgufValueType.Int32, int x): w.Write(x); break;
            case (GgufValueType.Float32, float x): w.Write(x); break;
            case (GgufValueType.Bool, bool x): w.Write((byte)(x ? 1 : 0)); break;
            case (GgufValueType.String, string x): WriteString(w, x); break;
            case (GgufValueType.UInt64, ulong x): w.Write(x); break;
            case (GgufValueType.Int64, long x): w.Write(x); break;
            case (GgufValueType.Float64, double x): w.Write(x); break;
            case (GgufValueType.Array, _): WriteArray(w, v, key, depth); break;
            default:
                throw new ArgumentException($"metadata '{key}': a {v.Type} value cannot hold a {v.Value?.GetType().Name ?? "null"}", nameof(v));
        }
    }

    /// <summary>An array's body: u32 element type, u64 count, elements (nested arrays repeat the body, without a type tag).</summary>
    private static void WriteArray(BinaryWriter w, GgufValue v, string key, int depth)
    {
        if (depth >= GgufHeader.MaxArrayDepth)
            throw new ArgumentException($"metadata '{key}' nests arrays more than {GgufHeader.MaxArrayDepth} deep, more than readers accept", nameof(v));
        if (v.ElementType is not { } type)
            throw new ArgumentException($"metadata '{key}' is an array without an element type", nameof(v));
        var array = v.Value as Array ?? throw new ArgumentException($"metadata '{key}' is an array value holding a {v.Value?.GetType().Name ?? "null"}", nameof(v));
        if (array.LongLength > GgufHeader.MaxArrayElements)
            throw new ArgumentException($"metadata '{key}' has {array.LongLength} elements, above the {GgufHeader.MaxArrayElements} readers accept", nameof(v));
        w.Write((uint)type);
        w.Write((ulong)array.LongLength);
        switch (type, v.Value)
        {
            case (GgufValueType.UInt8, byte[] a): w.Write(a); break;
            case (GgufValueType.Int8, sbyte[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.UInt16, ushort[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.Int16, short[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.UInt32, uint[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.Int32, int[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.Float32, float[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.UInt64, ulong[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.Int64, long[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.Float64, double[] a): w.Write(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case (GgufValueType.Bool, bool[] a): foreach (bool b in a) w.Write((byte)(b ? 1 : 0)); break;
            case (GgufValueType.String, string[] a): foreach (string s in a) WriteString(w, s); break;
            case (GgufValueType.Array, GgufValue[] a):
                for (int i = 0; i < a.Length; i++)
                {
                    if (a[i].Type != GgufValueType.Array)
                        throw new ArgumentException($"metadata '{key}[{i}]' is {a[i].Type}, but the array's elements are arrays", nameof(v));
                    WriteArray(w, a[i], $"{key}[{i}]", depth + 1);
                }
                break;
            default:
                throw new ArgumentException($"metadata '{key}': an array of {type} cannot be held in a {v.Value.GetType().Name}", nameof(v));
        }
    }

    private static readonly byte[] Zeros = new byte[4096];

    private static void Pad(Stream file, long alignment)
    {
        long padding = GgufHeader.AlignUp(file.Position, alignment) - file.Position;
        for (; padding > 0; padding -= Zeros.Length) file.Write(Zeros, 0, (int)Math.Min(padding, Zeros.Length));
    }
}

/// <summary>
/// The stream a tensor callback writes to: forwards to the file, counts bytes, and refuses a byte past the tensor's
/// size at once, so a callback that runs away cannot fill the disk before the count is checked. Not seekable.
/// </summary>
internal sealed class GgufTensorDataStream(Stream file, string tensor, long expected) : Stream
{
    /// <summary>Bytes written so far.</summary>
    public long Written { get; private set; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > expected - Written)
            throw new InvalidOperationException($"tensor '{tensor}' wrote more than its {expected} bytes");
        file.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException("tensor data is written front to back"); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("tensor data streams are write-only");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("tensor data is written front to back");
    public override void SetLength(long value) => throw new NotSupportedException("tensor data is written front to back");
}
