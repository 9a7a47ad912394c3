using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>
/// Builds GGUF files field by field (docs/gguf.md layout, little-endian), so tests can write the broken files no
/// correct writer produces: any count, length, type, dimension or offset can be given a wrong value. Valid files
/// for round trips come from <see cref="GgufWriter"/>; this builder never uses it.
/// </summary>
internal sealed class RawGguf
{
    private readonly MemoryStream _bytes = new();
    private readonly BinaryWriter _w;

    public RawGguf() => _w = new BinaryWriter(_bytes, Encoding.UTF8, leaveOpen: true);

    /// <summary>Bytes so far.</summary>
    public long Length { get { _w.Flush(); return _bytes.Length; } }

    /// <summary>Magic, version, tensor count, kv count.</summary>
    public RawGguf Header(ulong tensors, ulong kvs, uint version = 3) => Raw("GGUF"u8).U32(version).U64(tensors).U64(kvs);

    public RawGguf Raw(ReadOnlySpan<byte> bytes) { _w.Write(bytes); return this; }
    public RawGguf U8(byte v) { _w.Write(v); return this; }
    public RawGguf U16(ushort v) { _w.Write(v); return this; }
    public RawGguf U32(uint v) { _w.Write(v); return this; }
    public RawGguf U64(ulong v) { _w.Write(v); return this; }
    public RawGguf F32(float v) { _w.Write(v); return this; }

    /// <summary>A GGUF string: u64 length (<paramref name="declaredLength"/>, or the real one), then UTF-8 bytes.</summary>
    public RawGguf Str(string s, ulong? declaredLength = null) => StrBytes(Encoding.UTF8.GetBytes(s), declaredLength);

    /// <summary>A GGUF string of raw bytes (which need not be UTF-8).</summary>
    public RawGguf StrBytes(byte[] bytes, ulong? declaredLength = null) => U64(declaredLength ?? (ulong)bytes.Length).Raw(bytes);

    /// <summary>A key and its value type; the value follows from the caller.</summary>
    public RawGguf Key(string key, GgufValueType type) => Str(key).U32((uint)type);

    public RawGguf KvU32(string key, uint v) => Key(key, GgufValueType.UInt32).U32(v);
    public RawGguf KvString(string key, string v) => Key(key, GgufValueType.String).Str(v);

    /// <summary>An array header: element type and count; the elements follow from the caller.</summary>
    public RawGguf ArrayOf(string key, GgufValueType element, ulong count) => Key(key, GgufValueType.Array).U32((uint)element).U64(count);

    /// <summary>A tensor info: name, n_dims, ne (fastest first), ggml type, offset.</summary>
    public RawGguf Tensor(string name, ulong[] ne, uint ggmlType, ulong offset, uint? nDims = null)
    {
        Str(name).U32(nDims ?? (uint)ne.Length);
        foreach (var d in ne) U64(d);
        return U32(ggmlType).U64(offset);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public RawGguf Pad(int alignment = 32)
    {
        while (Length % alignment != 0) U8(0);
        return this;
    }

    /// <summary><paramref name="n"/> filler bytes 1, 2, 3, … (mod 251), so a view at the wrong offset shows.</summary>
    public RawGguf Data(int n)
    {
        for (int i = 0; i < n; i++) U8((byte)(i % 251 + 1));
        return this;
    }

    public byte[] ToArray() { _w.Flush(); return _bytes.ToArray(); }

    /// <summary>Writes the file in a fresh temp folder; returns its full path.</summary>
    public string Write(string fileName = "model.gguf") => WriteBytes(ToArray(), fileName);

    public static string WriteBytes(byte[] bytes, string fileName = "model.gguf")
    {
        string path = Path.Combine(Fixtures.TempDir(), fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes the file and asserts that opening it throws <see cref="InvalidCheckpointException"/> naming the file and each of <paramref name="parts"/>.</summary>
    public InvalidCheckpointException AssertRejected(params string[] parts) => AssertRejected(ToArray(), parts);

    public static InvalidCheckpointException AssertRejected(byte[] bytes, params string[] parts)
    {
        string path = WriteBytes(bytes);
        var e = Rejection.Expect<InvalidCheckpointException>(() => GgufFile.Open(path).Dispose(), [path, .. parts]);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    /// <summary>
    /// A valid file to break one field of: "general.architecture" = "llama", then an F32 tensor "w" of ne [8, 2]
    /// (shape [2, 8], 64 bytes) at offset 0, default alignment 32.
    /// </summary>
    public static RawGguf OneTensor(uint version = 3) =>
        new RawGguf().Header(tensors: 1, kvs: 1, version).KvString("general.architecture", "llama")
            .Tensor("w", [8, 2], 0, 0).Pad().Data(64);
}
