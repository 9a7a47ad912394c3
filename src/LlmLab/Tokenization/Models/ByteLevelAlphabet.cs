namespace LlmLab.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ character map used by byte-level BPE. Every byte gets a printable
/// character: the bytes that already are printable Latin-1 characters (<c>!</c>..<c>~</c>,
/// <c>¡</c>..<c>¬</c>, <c>®</c>..<c>ÿ</c>) map to themselves, the other 68 (controls, space,
/// soft hyphen...) map in byte order to U+0100, U+0101, ... so that space becomes <c>Ġ</c>
/// (U+0120) and newline <c>Ċ</c> (U+010A). All 256 characters are in the BMP.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Byte value → its character.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Character → its byte value, -1 for characters outside the alphabet (index by char code).</summary>
    private static readonly short[] CharToByteTable = BuildCharToByte();

    /// <summary>The byte a character stands for, or -1 when it is not one of the 256 alphabet characters.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    /// <summary>Writes the alphabet characters of <paramref name="bytes"/> into <paramref name="destination"/> (same length).</summary>
    public static void Map(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (int i = 0; i < bytes.Length; i++) destination[i] = ByteToChar[bytes[i]];
    }

    private static bool IsPrintable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            map[b] = IsPrintable(b) ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[256 + 68];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++) table[ByteToChar[b]] = (short)b;
        return table;
    }
}
