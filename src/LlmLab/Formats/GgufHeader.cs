// GGUF layout, versions 2 and 3 (ggml's docs/gguf.md; validation modelled on ggml/src/gguf.cpp), little-endian:
//   1. Header: magic "GGUF" (4 bytes), u32 version (2 or 3; v1 used u32 counts and is refused), u64 tensor_count,
//      u64 kv_count. Version 3 only added big-endian files, which are indistinguishable but for the version's bytes.
//   2. kv_count metadata entries: key (string), u32 value type (GgufValueType), value. A string is a u64 byte length
//      and UTF-8 bytes, no terminator. An array is a u32 element type, a u64 element count, then the elements;
//      elements may themselves be arrays (the spec allows it; gguf.cpp does not read them).
//   3. tensor_count tensor infos: name (string, < 64 bytes for ggml), u32 n_dims (1..4), n_dims u64 dims
//      (ggml's ne, fastest-varying first), u32 ggml type, u64 offset relative to the data section.
//   4. Zero padding to `general.alignment` (u32, a power of two; 32 when absent), then the data section; each
//      tensor's offset is a multiple of the alignment.
// Every check gguf.cpp makes is made here, plus those it leaves out (a zero dimension, which crashes ggml with
// SIGFPE; tensors that overlap or run past the end; bools other than 0 and 1; malformed UTF-8 in keys). Every
// length and count is checked against the bytes left in the file before anything is allocated from it.
using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>A parsed and validated GGUF header: version, metadata in file order, tensor infos and the data section's place.</summary>
/// <param name="Version">2 or 3.</param>
/// <param name="Metadata">The metadata entries in file order.</param>
/// <param name="Tensors">The tensor infos in file order.</param>
/// <param name="Alignment">Alignment of the data section and of every tensor offset, in bytes.</param>
/// <param name="DataOffset">Byte offset of the data section from the start of the file.</param>
public sealed record GgufHeader(uint Version, IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata,
    IReadOnlyList<GgufTensorInfo> Tensors, long Alignment, long DataOffset)
{
    /// <summary>"GGUF" as bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    /// <summary>The version <see cref="GgufWriter"/> writes.</summary>
    public const uint CurrentVersion = 3;

    /// <summary>The oldest version read: version 1 had u32 counts and lengths and was dropped by ggml in 2023.</summary>
    public const uint OldestVersion = 2;

    /// <summary>Bytes of magic, version, tensor count and kv count.</summary>
    public const int FixedHeaderBytes = 4 + 4 + 8 + 8;

    /// <summary>Alignment when <c>general.alignment</c> is absent (the spec's default).</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The metadata key that sets the alignment.</summary>
    public const string AlignmentKey = "general.alignment";

    /// <summary>gguf.cpp's bound on the alignment: a larger one would make padding, not weights, fill memory and disk.</summary>
    public const long MaxAlignment = 1 << 20;

    /// <summary>ggml's GGML_MAX_DIMS: ggml tensors have at most 4 dimensions.</summary>
    public const int MaxDimensions = 4;

    /// <summary>ggml's GGML_MAX_NAME is 64 including the terminating NUL, so names longer than 63 bytes do not load in llama.cpp.</summary>
    public const int MaxTensorNameBytes = 63;

    /// <summary>The spec's bound on a key's length (2^16 − 1 bytes).</summary>
    public const int MaxKeyBytes = ushort.MaxValue;

    /// <summary>gguf.cpp's bound on a string (64 MiB): blocks memory exhaustion from a crafted length; chat templates are ~10 KB.</summary>
    public const long MaxStringBytes = 64L << 20;

    /// <summary>gguf.cpp's bound on an array's element count (64 Mi): the largest vocabularies hold ~260k tokens.</summary>
    public const long MaxArrayElements = 64L << 20;

    /// <summary>
    /// Arrays nested deeper than this are refused: each level costs a file only 12 bytes, and unbounded recursion
    /// would end in a stack overflow, which kills the process instead of throwing.
    /// </summary>
    public const int MaxArrayDepth = 8;

    /// <summary>Bound on tensor_count (a million): the largest published models have a few thousand tensors; blocks per-tensor allocations from a lying count.</summary>
    public const long MaxTensors = 1 << 20;

    /// <summary>Bound on kv_count (a million): real files have a few dozen keys; blocks per-entry allocations from a lying count.</summary>
    public const long MaxKeyValues = 1 << 20;

    /// <summary>Smallest metadata entry: key length (8), a 1-byte key, value type (4), a 1-byte value.</summary>
    public const int MinKeyValueBytes = 8 + 1 + 4 + 1;

    /// <summary>Smallest tensor info: name length (8), a 1-byte name, n_dims (4), one dim (8), type (4), offset (8).</summary>
    public const int MinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;

    /// <summary>The metadata as a dictionary (insertion order is file order).</summary>
    public IReadOnlyDictionary<string, GgufValue> MetadataByKey { get; } = Metadata.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>
    /// Parses and validates the header in <paramref name="bytes"/>, the first bytes of a file of
    /// <paramref name="fileLength"/> bytes (all of it, or its first 2 GiB); <paramref name="path"/> names it in errors.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">Anything a reader must reject; the message names the file, the key or tensor, and the problem.</exception>
    public static GgufHeader Parse(ReadOnlySpan<byte> bytes, long fileLength, string path)
    {
        var c = new GgufCursor(bytes, fileLength, path);
        if (fileLength == 0)
            throw c.Invalid("the file is empty (0 bytes); the download failed or was interrupted, download it again");
        CheckMagic(bytes, c);
        c.Take(Magic.Length, "the magic");
        uint version = ReadVersion(ref c);
        var (tensorCount, kvCount) = ReadCounts(ref c);

        var metadata = new List<KeyValuePair<string, GgufValue>>((int)Math.Min(kvCount, 1024));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            string key = c.Identifier($"metadata key {i} of {kvCount}", MaxKeyBytes);
            string shown = GgufCursor.Shown(key);
            if (!seen.Add(key))
                throw c.Invalid($"key '{shown}' appears twice in the metadata (entry {i}); the file is corrupt");
            uint type = c.U32($"key '{shown}': value type");
            if (!Enum.IsDefined((GgufValueType)type))
                throw c.Invalid($"key '{shown}' has unknown value type {type} (GGUF value types are 0 to 12); the file is corrupt or from a newer GGUF version");
            metadata.Add(new(key, GgufMetadataReader.Read(ref c, (GgufValueType)type, shown, depth: 0)));
        }
        long alignment = ReadAlignment(metadata, c);

        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 1024));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            var info = ReadTensorInfo(ref c, i, tensorCount, alignment);
            if (!names.Add(info.Name))
                throw c.Invalid($"tensor '{GgufCursor.Shown(info.Name)}' appears twice in the tensor infos (entry {i}); the file is corrupt");
            tensors.Add(info);
        }

        // gguf.cpp pads to the alignment only when there are tensors; with none, the data section is empty.
        long dataOffset = tensorCount == 0 ? c.Position : AlignUp(c.Position, alignment);
        CheckDataSection(tensors, dataOffset, c);
        return new GgufHeader(version, metadata, tensors, alignment, dataOffset);
    }

    /// <summary>The smallest multiple of <paramref name="alignment"/> (a power of two) at or above <paramref name="offset"/>.</summary>
    public static long AlignUp(long offset, long alignment) => checked(offset + alignment - 1) & ~(alignment - 1);

    private static void CheckMagic(ReadOnlySpan<byte> bytes, in GgufCursor c)
    {
        var start = bytes[..Math.Min(bytes.Length, Magic.Length)];
        if (start.SequenceEqual(Magic)) return;
        if (GgufImpostor.Describe(bytes) is { } impostor)
            throw c.Invalid(impostor);
        if (start.Length < Magic.Length)
            throw c.Invalid($"{c.FileLength} bytes, too short to be a GGUF file (the header alone is {FixedHeaderBytes} bytes); the download is truncated, download it again");
        throw c.Invalid($"not a GGUF file: it starts with bytes {Convert.ToHexString(start)}, not the magic 'GGUF' (47475546)");
    }

    private static uint ReadVersion(ref GgufCursor c)
    {
        uint version = c.U32("the GGUF version");
        // A big-endian file's version 3 reads 0x03000000 here: the low 16 bits are zero for any plausible version.
        if (version != 0 && (version & 0xFFFF) == 0)
            throw c.Invalid($"the GGUF version reads 0x{version:X8}: this is a big-endian GGUF file, and LlmLab reads little-endian files only; convert the model without --bigendian");
        if (version == 1)
            throw c.Invalid("GGUF version 1 is not supported (it used 32-bit counts and was dropped by ggml in 2023); convert the model again with a current llama.cpp");
        if (version < OldestVersion || version > CurrentVersion)
            throw c.Invalid($"GGUF version {version} is not one LlmLab reads (it reads versions {OldestVersion} and {CurrentVersion}); the file is corrupt or from a newer GGUF");
        return version;
    }

    private static (long Tensors, long KeyValues) ReadCounts(ref GgufCursor c)
    {
        ulong tensors = c.U64("the tensor count");
        ulong kvs = c.U64("the metadata key-value count");
        if (tensors > MaxTensors)
            throw c.Invalid($"the header's tensor count {tensors} is above the {MaxTensors} limit; the file is corrupt");
        if (kvs > MaxKeyValues)
            throw c.Invalid($"the header's metadata key-value count {kvs} is above the {MaxKeyValues} limit; the file is corrupt");
        // Both counts are now small, so this product cannot overflow.
        long needed = (long)tensors * MinTensorInfoBytes + (long)kvs * MinKeyValueBytes;
        if (needed > c.FileLength - c.Position)
            throw c.Invalid($"the header declares {tensors} tensors and {kvs} metadata key-values, which need at least {needed} bytes, but only {c.FileLength - c.Position} bytes follow; the file is truncated or corrupt");
        return ((long)tensors, (long)kvs);
    }

    private static long ReadAlignment(List<KeyValuePair<string, GgufValue>> metadata, in GgufCursor c)
    {
        foreach (var (key, value) in metadata)
        {
            if (key != AlignmentKey) continue;
            if (value.Type != GgufValueType.UInt32)
                throw c.Invalid($"key '{AlignmentKey}' is of type {value.Type}{(value.ElementType is { } e ? $" of {e}" : "")}, but GGUF requires a u32");
            uint a = (uint)value.Value;
            if (a == 0 || (a & (a - 1)) != 0)
                throw c.Invalid($"key '{AlignmentKey}' is {a}, which is not a power of two; the file is corrupt");
            if (a > MaxAlignment)
                throw c.Invalid($"key '{AlignmentKey}' is {a}, above the {MaxAlignment}-byte limit; the file is corrupt");
            return a;
        }
        return DefaultAlignment;
    }

    private static GgufTensorInfo ReadTensorInfo(ref GgufCursor c, long index, long count, long alignment)
    {
        string name = c.Identifier($"tensor info {index} of {count}: the name", MaxTensorNameBytes);
        string t = $"tensor '{GgufCursor.Shown(name)}'";
        uint nDims = c.U32($"{t}: n_dims");
        if (nDims is 0 or > MaxDimensions)
            throw c.Invalid($"{t} has {nDims} dimensions; ggml tensors have 1 to {MaxDimensions}");

        // ne, fastest first; the shape is the reverse. A zero dimension is refused: ggml divides by it (SIGFPE).
        var shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++)
        {
            ulong ne = c.U64($"{t}: dimension {d}");
            if (ne == 0)
                throw c.Invalid($"{t} has dimension ne[{d}] = 0; ggml requires every dimension to be at least 1 (llama.cpp would crash dividing by it)");
            if (ne > long.MaxValue || elements > long.MaxValue / (long)ne)
                throw c.Invalid($"{t} has dimensions whose element count overflows 64 bits (ne[{d}] = {ne}); the file is corrupt");
            elements *= (long)ne;
            shape[nDims - 1 - d] = (long)ne;
        }

        uint type = c.U32($"{t}: ggml type");
        if (!TensorFormats.TryFromGgmlType(type, out var format))
            throw c.Invalid($"{t} has {GgufGgmlTypeNames.Describe(type)}, which LlmLab does not read; it reads {GgufGgmlTypeNames.Readable}");
        long row = shape[^1];
        if (!format.DividesRow(row))
            throw c.Invalid($"{t} is {format} with rows of {row} elements, not a multiple of the {format.BlockLength()}-element block; the file is corrupt");
        long bytes;
        try { bytes = format.ByteCount(shape); }
        catch (OverflowException)
        {
            throw c.Invalid($"{t}: {format} shape [{string.Join(", ", shape)}] has a byte size that overflows 64 bits; the file is corrupt");
        }

        ulong offset = c.U64($"{t}: data offset");
        if (offset > long.MaxValue)
            throw c.Invalid($"{t} has data offset {offset}, beyond any file; the file is corrupt");
        if ((long)offset % alignment != 0)
            throw c.Invalid($"{t} has data offset {offset}, not a multiple of the {alignment}-byte alignment; the file is corrupt");
        return new GgufTensorInfo(name, format, shape, (long)offset, bytes);
    }

    private static void CheckDataSection(List<GgufTensorInfo> tensors, long dataOffset, in GgufCursor c)
    {
        if (tensors.Count == 0) return;
        if (dataOffset > c.FileLength)
            throw c.Invalid($"data section is truncated: it starts at byte {dataOffset} but the file has {c.FileLength} bytes; the download is incomplete");
        long dataBytes = c.FileLength - dataOffset;
        foreach (var t in tensors)
        {
            // offset ≤ long.MaxValue and bytes ≤ long.MaxValue, so compare without adding past the file.
            if (t.Offset > dataBytes || t.Bytes > dataBytes - t.Offset)
            {
                string end = t.Offset > long.MaxValue - dataOffset - t.Bytes ? "beyond any file" : $"at byte {dataOffset + t.Offset + t.Bytes}";
                throw c.Invalid($"data section is truncated: tensor '{GgufCursor.Shown(t.Name)}' ends {end} but the file has {c.FileLength} bytes; the download is incomplete");
            }
        }
        var byOffset = tensors.OrderBy(t => t.Offset).ToList();
        for (int i = 1; i < byOffset.Count; i++)
        {
            GgufTensorInfo previous = byOffset[i - 1], next = byOffset[i];
            if (next.Offset < previous.Offset + previous.Bytes)
            {
                string p = GgufCursor.Shown(previous.Name), n = GgufCursor.Shown(next.Name);
                throw c.Invalid($"tensors '{p}' and '{n}' overlap: '{n}' starts at data offset {next.Offset}, inside '{p}' (bytes {previous.Offset} to {previous.Offset + previous.Bytes}); the file is corrupt");
            }
        }
    }
}
