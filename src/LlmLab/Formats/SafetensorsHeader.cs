// safetensors layout (https://huggingface.co/docs/safetensors, spec in the huggingface/safetensors README):
//   1. 8 bytes: N, the header length, little-endian u64.
//   2. N bytes: UTF-8 JSON object. Each key is a tensor name mapped to
//      {"dtype": "BF16", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, plus an optional
//      "__metadata__" object of string → string. Trailing spaces pad the header.
//   3. The data buffer: tensors' bytes at [8 + N + begin, 8 + N + end). Offsets are relative to the
//      buffer, must start at 0, be contiguous (no gap, no overlap), and cover the buffer exactly.
// The checks below are the reference implementation's, so a file Python accepts we accept and a file
// it rejects we reject, with a message naming the file, the tensor and the problem.
using System.Text;
using System.Text.Json;
using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>One tensor entry of a safetensors header: name, dtype, shape and its byte range in the data buffer.</summary>
public sealed record SafetensorsEntry(string Name, DType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Byte length of the tensor's data.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>A parsed and validated safetensors header.</summary>
public sealed record SafetensorsHeader(IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long HeaderLength)
{
    /// <summary>The reference implementation's bound on the header length (blocks a huge allocation from a corrupt length).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes of the little-endian u64 that precedes the header.</summary>
    public const int LengthPrefixBytes = 8;

    /// <summary>Offset of the data buffer from the start of the file.</summary>
    public long DataStart => LengthPrefixBytes + HeaderLength;

    /// <summary>
    /// Reads the header length from the first 8 bytes and checks it against the file length,
    /// before any buffer for the header is allocated.
    /// </summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> first8, long fileLength, string file)
    {
        if (fileLength == 0)
            throw new InvalidCheckpointException($"{file}: the file is empty (0 bytes); the download failed or was interrupted, download it again");
        if (fileLength < LengthPrefixBytes)
            throw new InvalidCheckpointException($"{file}: {fileLength} bytes, too short to be a safetensors file (needs at least an 8-byte header length); the download is probably truncated, download it again");
        ulong n = BitConverter.ToUInt64(first8);
        string? impostor = DescribeImpostor(first8);
        if (impostor is not null && (n > MaxHeaderBytes || (long)n > fileLength - LengthPrefixBytes))
            throw new InvalidCheckpointException($"{file}: {impostor}");
        if (n > MaxHeaderBytes)
            throw new InvalidCheckpointException($"{file}: header length {n} bytes is above the {MaxHeaderBytes}-byte limit; the file is corrupt or not safetensors");
        if ((long)n > fileLength - LengthPrefixBytes)
            throw new InvalidCheckpointException($"{file}: header length {n} bytes runs past the end of the {fileLength}-byte file; the file is truncated, download it again");
        if (n < 2)
            throw new InvalidCheckpointException($"{file}: header length {n} is too small to hold a JSON object; the file is corrupt");
        return (long)n;
    }

    /// <summary>
    /// Recognises files that are commonly saved in place of a checkpoint: Git LFS pointers, HTML pages,
    /// JSON error responses and other text. Only consulted once the length prefix is already implausible,
    /// and only when the bytes read are printable text, so a real header length is never misread.
    /// </summary>
    internal static string? DescribeImpostor(ReadOnlySpan<byte> start)
    {
        if (start.IsEmpty) return null;
        foreach (byte b in start)
            if (b is not ((>= 0x20 and < 0x7F) or (byte)'\t' or (byte)'\n' or (byte)'\r')) return null;
        string raw = Encoding.ASCII.GetString(start);
        string text = raw.TrimStart().ToLowerInvariant();
        if (text.StartsWith("version ", StringComparison.Ordinal))
            return "this is a Git LFS pointer file, not the weights; download the real file (git lfs pull, or huggingface-cli download)";
        if (text.StartsWith('<'))
            return "this is an HTML page (probably a login or error page saved by a browser or wget), not the weights; download the real file with huggingface-cli or the 'resolve' URL";
        if (text.StartsWith('{') || text.StartsWith('['))
            return "this is a JSON document (perhaps an error response from the server), not the weights; download the real file";
        if (start.Length == LengthPrefixBytes)
            return $"this is a text file (it starts with '{raw.ReplaceLineEndings(" ")}'), not safetensors weights; download the real file";
        return null;
    }

    /// <summary>Parses and validates the header JSON for a file of <paramref name="fileLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long fileLength, string file)
    {
        long headerLength = json.Length;
        if (fileLength - LengthPrefixBytes < headerLength)
            throw new InvalidCheckpointException($"{file}: header length {headerLength} bytes runs past the end of the {fileLength}-byte file; the file is truncated, download it again");
        if (json.Length == 0 || json[0] != (byte)'{')
            throw new InvalidCheckpointException($"{file}: the header is not a JSON object (it does not start with '{{'); this is not a safetensors file");
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json); }
        catch (DecoderFallbackException) { throw new InvalidCheckpointException($"{file}: the header is not valid UTF-8; the file is corrupt"); }

        JsonDocument doc;
        try { doc = JsonDocument.Parse(text.TrimEnd(' '), new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw new InvalidCheckpointException($"{file}: the header is not valid JSON ({e.Message}); the file is corrupt", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidCheckpointException($"{file}: the header is JSON but not an object; this is not a safetensors file");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                        throw new InvalidCheckpointException($"{file}: tensor '{property.Name}' appears twice in the header; the file is corrupt");
                    if (property.Name == "__metadata__") ReadMetadata(property.Value, metadata, file);
                    else entries.Add(ReadEntry(property.Name, property.Value, file));
                }
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json accepts an escaped lone surrogate ("\ud800") while parsing but throws when the
                // string is read; the reference (serde_json) rejects it as invalid JSON.
                throw new InvalidCheckpointException($"{file}: the header holds a string with an invalid \\u escape ({e.Message}); the file is corrupt", e);
            }
            long bufferLength = fileLength - LengthPrefixBytes - headerLength;
            ValidateLayout(entries, bufferLength, file);
            return new SafetensorsHeader(entries, metadata, headerLength);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string file)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // the reference reads __metadata__ as an optional map
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidCheckpointException($"{file}: __metadata__ must be an object of strings, found {value.ValueKind}");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new InvalidCheckpointException($"{file}: __metadata__ field '{p.Name}' is {p.Value.ValueKind}; safetensors metadata values must be strings");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw new InvalidCheckpointException($"{file}: __metadata__ field '{p.Name}' appears twice");
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' must be an object with dtype, shape and data_offsets");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' has no string field 'dtype'");
        string dtypeName = dtypeElement.GetString()!;
        if (!DTypes.TryParseSafetensorsName(dtypeName, out var dtype))
            throw new InvalidCheckpointException($"{file}: tensor '{name}' has dtype '{dtypeName}', which LlmLab does not read (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2)");
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' has no array field 'shape'");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim))
                throw new InvalidCheckpointException($"{file}: tensor '{name}' shape[{i}] is not an integer");
            if (dim < 0)
                throw new InvalidCheckpointException($"{file}: tensor '{name}' shape[{i}] is {dim}; dimensions cannot be negative");
            shape[i++] = dim;
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' needs 'data_offsets' as [begin, end]");
        long begin = ReadOffset(offsets[0], name, "begin", file), end = ReadOffset(offsets[1], name, "end", file);
        if (end < begin)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' data_offsets end {end} is before begin {begin}; the file is corrupt");
        long expected;
        try
        {
            expected = dtype.SizeOf();
            foreach (long dim in shape) expected = checked(expected * dim);
        }
        catch (OverflowException)
        {
            throw new InvalidCheckpointException($"{file}: tensor '{name}' shape {string.Join("x", shape)} overflows a 64-bit byte count; the file is corrupt");
        }
        if (end - begin != expected)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' spans {end - begin} bytes but {dtypeName} [{string.Join(", ", shape)}] needs {expected}; the file is corrupt");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(JsonElement e, string name, string which, string file)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw new InvalidCheckpointException($"{file}: tensor '{name}' data_offsets {which} is not a non-negative 64-bit integer");
        return v;
    }

    private static void ValidateLayout(List<SafetensorsEntry> entries, long bufferLength, string file)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long position = 0;
        foreach (var e in sorted)
        {
            if (e.Begin < position)
                throw new InvalidCheckpointException($"{file}: tensor '{e.Name}' starts at {e.Begin}, overlapping the previous tensor that ends at {position}; the file is corrupt");
            if (e.Begin > position)
                throw new InvalidCheckpointException($"{file}: gap of {e.Begin - position} bytes before tensor '{e.Name}' (offsets must be contiguous from 0); the file is corrupt");
            position = e.End;
        }
        if (position > bufferLength)
            throw new InvalidCheckpointException($"{file}: tensor '{sorted[^1].Name}' ends at byte {position} of the data buffer but the file holds only {bufferLength}; the file is truncated, download it again");
        if (position < bufferLength)
            throw new InvalidCheckpointException($"{file}: {bufferLength - position} trailing bytes after the last tensor; the file is corrupt or was appended to");
    }
}
