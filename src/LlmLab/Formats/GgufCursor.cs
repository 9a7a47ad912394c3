using System.Buffers.Binary;
using System.Text;

namespace LlmLab.Formats;

/// <summary>
/// Reads a GGUF header front to back from the mapped file's bytes. Every read checks the bytes left first and,
/// when they run out, throws <see cref="InvalidCheckpointException"/> naming the file, the field and the offsets,
/// so a truncated or lying file never reads past the end nor allocates from a length it cannot back.
/// Little-endian, as GGUF files are (the big-endian variant is recognised from the version and refused).
/// </summary>
internal ref struct GgufCursor
{
    /// <summary>Strict UTF-8: keys and tensor names are identifiers, so a malformed sequence is an error, not U+FFFD.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _bytes; // the file's first min(length, 2 GiB - 1) bytes
    private readonly long _fileLength;
    private readonly string _path;

    public GgufCursor(ReadOnlySpan<byte> bytes, long fileLength, string path)
    {
        _bytes = bytes;
        _fileLength = fileLength;
        _path = path;
    }

    /// <summary>Offset of the next byte to read, from the start of the file.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes between <see cref="Position"/> and the end of what can be read.</summary>
    public readonly long Remaining => _bytes.Length - Position;

    /// <summary>The file's length in bytes.</summary>
    public readonly long FileLength => _fileLength;

    /// <summary>The next <paramref name="count"/> bytes; <paramref name="what"/> names the field for the error.</summary>
    public ReadOnlySpan<byte> Take(long count, string what)
    {
        if (count < 0 || count > Remaining) throw RunsPastEnd(count, what);
        var span = _bytes.Slice(Position, (int)count);
        Position += (int)count;
        return span;
    }

    public byte U8(string what) => Take(1, what)[0];

    public uint U32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public ulong U64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    /// <summary>
    /// A GGUF string (u64 byte length, bytes) decoded strictly: for keys and tensor names. The length is checked against
    /// <paramref name="maxBytes"/> and the bytes left before any string is made.
    /// </summary>
    public string Identifier(string what, long maxBytes)
    {
        var bytes = StringBytes(what, maxBytes);
        if (bytes.IsEmpty)
            throw Invalid($"{what} is an empty string; GGUF keys and tensor names must be non-empty");
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException)
        {
            throw Invalid($"{what} is not valid UTF-8 (bytes {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 16)])}…); the file is corrupt");
        }
    }

    /// <summary>
    /// A GGUF string value. Malformed UTF-8 becomes U+FFFD rather than an error: token texts in converted vocabularies
    /// are data, and one odd token should not make a whole model unreadable.
    /// </summary>
    public string Text(string what, long maxBytes) => Encoding.UTF8.GetString(StringBytes(what, maxBytes));

    /// <summary>
    /// String <paramref name="index"/> of an array under <paramref name="key"/>: <see cref="Text"/> without formatting a
    /// message for each of a vocabulary's ~10^5 tokens; the message is made only on the failing path.
    /// </summary>
    public string TextElement(string key, int index, int count, long maxBytes)
    {
        if (Remaining >= sizeof(ulong))
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(_bytes.Slice(Position, sizeof(ulong)));
            if (length <= (ulong)maxBytes && (long)length <= Remaining - sizeof(ulong))
            {
                Position += sizeof(ulong);
                string text = Encoding.UTF8.GetString(_bytes.Slice(Position, (int)length));
                Position += (int)length;
                return text;
            }
        }
        return Text($"key '{key}': string {index} of {count}", maxBytes); // throws, naming the element
    }

    private ReadOnlySpan<byte> StringBytes(string what, long maxBytes)
    {
        ulong length = U64($"{what} (its length)");
        if (length > (ulong)maxBytes)
            throw Invalid($"{what} has length {length} bytes, above the {maxBytes}-byte limit; the file is corrupt");
        if ((long)length > Remaining)
            throw RunsPastEnd((long)length, $"{what} ({length} bytes)");
        return Take((long)length, what);
    }

    /// <summary>Longest name or key shown in a message; longer ones are cut (a key may be 64 KB).</summary>
    private const int MaxShownChars = 96;

    /// <summary>
    /// <paramref name="text"/> as shown inside a message: control characters escaped (\n, \u0001) so the message stays one
    /// line, and cut to <see cref="MaxShownChars"/> characters.
    /// </summary>
    public static string Shown(string text)
    {
        bool plain = text.Length <= MaxShownChars;
        foreach (char ch in text) plain &= !char.IsControl(ch);
        if (plain) return text;
        var sb = new StringBuilder();
        foreach (char ch in text.Length > MaxShownChars ? text[..MaxShownChars] : text)
        {
            if (char.IsControl(ch)) sb.Append($"\\u{(int)ch:X4}");
            else sb.Append(ch);
        }
        return text.Length > MaxShownChars ? sb.Append('…').ToString() : sb.ToString();
    }

    /// <summary>An <see cref="InvalidCheckpointException"/> whose message starts with the file's path.</summary>
    public readonly InvalidCheckpointException Invalid(string problem) => new($"{_path}: {problem}");

    /// <summary>The error for a field of <paramref name="count"/> bytes that does not fit in what is left.</summary>
    public readonly InvalidCheckpointException RunsPastEnd(long count, string what)
    {
        if (_bytes.Length < _fileLength && Position + count <= _fileLength)
            return Invalid($"{what} at byte {Position} lies beyond the first {_bytes.Length} bytes; LlmLab reads GGUF headers (metadata and tensor infos) up to 2 GiB");
        return Invalid($"{what} runs past the end of the file: it needs {count} bytes at byte {Position} but the file has {_fileLength} bytes; the file is truncated or corrupt, download it again");
    }
}
