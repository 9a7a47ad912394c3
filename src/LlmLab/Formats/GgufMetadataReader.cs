using System.Runtime.InteropServices;

namespace LlmLab.Formats;

/// <summary>Reads one metadata value, recursing into nested arrays up to <see cref="GgufHeader.MaxArrayDepth"/>.</summary>
internal static class GgufMetadataReader
{
    /// <summary>Reads a value of <paramref name="type"/>; <paramref name="key"/> is the key as shown in messages.</summary>
    public static GgufValue Read(ref GgufCursor c, GgufValueType type, string key, int depth)
    {
        string what = $"key '{key}'";
        return type switch
        {
            GgufValueType.UInt8 => new(type, c.U8(what)),
            GgufValueType.Int8 => new(type, (sbyte)c.U8(what)),
            GgufValueType.UInt16 => new(type, MemoryMarshal.Read<ushort>(c.Take(2, what))),
            GgufValueType.Int16 => new(type, MemoryMarshal.Read<short>(c.Take(2, what))),
            GgufValueType.UInt32 => new(type, c.U32(what)),
            GgufValueType.Int32 => new(type, (int)c.U32(what)),
            GgufValueType.Float32 => new(type, MemoryMarshal.Read<float>(c.Take(4, what))),
            GgufValueType.Bool => new(type, Bool(c.U8(what), key, ref c)),
            GgufValueType.String => new(type, c.Text($"{what}: the string value", GgufHeader.MaxStringBytes)),
            GgufValueType.UInt64 => new(type, c.U64(what)),
            GgufValueType.Int64 => new(type, (long)c.U64(what)),
            GgufValueType.Float64 => new(type, MemoryMarshal.Read<double>(c.Take(8, what))),
            GgufValueType.Array => Array(ref c, key, depth),
            _ => throw c.Invalid($"{what} has unknown value type {(uint)type} (GGUF value types are 0 to 12); the file is corrupt"),
        };
    }

    private static bool Bool(byte b, string key, ref GgufCursor c) => b switch
    {
        0 => false,
        1 => true,
        _ => throw c.Invalid($"key '{key}' holds bool byte {b}; GGUF bools are 0 or 1, and the spec calls anything else invalid"),
    };

    private static GgufValue Array(ref GgufCursor c, string key, int depth)
    {
        string what = $"key '{key}'";
        if (depth >= GgufHeader.MaxArrayDepth)
            throw c.Invalid($"{what} nests arrays more than {GgufHeader.MaxArrayDepth} deep; the file is corrupt");
        uint elementType = c.U32($"{what}: array element type");
        if (!Enum.IsDefined((GgufValueType)elementType))
            throw c.Invalid($"{what} is an array of unknown value type {elementType} (GGUF value types are 0 to 12); the file is corrupt");
        var type = (GgufValueType)elementType;
        ulong count = c.U64($"{what}: array length");
        if (count > GgufHeader.MaxArrayElements)
            throw c.Invalid($"{what} is an array of {count} elements, above the {GgufHeader.MaxArrayElements} limit; the file is corrupt");
        // Every element takes at least this many bytes, so the count is bounded by the bytes left before allocating.
        long minBytes = MinBytes(type);
        if ((long)count > c.Remaining / minBytes)
            throw c.Invalid($"{what} is an array of {count} {type} elements (at least {(long)count * minBytes} bytes), but only {c.Remaining} bytes follow; the file is truncated or corrupt");
        int n = (int)count;
        object values = type switch
        {
            GgufValueType.UInt8 => c.Take(n, what).ToArray(),
            GgufValueType.Int8 => MemoryMarshal.Cast<byte, sbyte>(c.Take(n, what)).ToArray(),
            GgufValueType.UInt16 => MemoryMarshal.Cast<byte, ushort>(c.Take(n * 2L, what)).ToArray(),
            GgufValueType.Int16 => MemoryMarshal.Cast<byte, short>(c.Take(n * 2L, what)).ToArray(),
            GgufValueType.UInt32 => MemoryMarshal.Cast<byte, uint>(c.Take(n * 4L, what)).ToArray(),
            GgufValueType.Int32 => MemoryMarshal.Cast<byte, int>(c.Take(n * 4L, what)).ToArray(),
            GgufValueType.Float32 => MemoryMarshal.Cast<byte, float>(c.Take(n * 4L, what)).ToArray(),
            GgufValueType.UInt64 => MemoryMarshal.Cast<byte, ulong>(c.Take(n * 8L, what)).ToArray(),
            GgufValueType.Int64 => MemoryMarshal.Cast<byte, long>(c.Take(n * 8L, what)).ToArray(),
            GgufValueType.Float64 => MemoryMarshal.Cast<byte, double>(c.Take(n * 8L, what)).ToArray(),
            GgufValueType.Bool => Bools(ref c, n, key),
            GgufValueType.String => Strings(ref c, n, key),
            _ => Nested(ref c, n, key, depth),
        };
        return new GgufValue(GgufValueType.Array, values, type);
    }

    /// <summary>Fewest bytes one element of <paramref name="type"/> takes: its size, a string's u64 length, an array's type and count.</summary>
    private static long MinBytes(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        _ => 4 + 8,
    };

    private static bool[] Bools(ref GgufCursor c, int n, string key)
    {
        var bytes = c.Take(n, $"key '{key}'");
        var values = new bool[n];
        for (int i = 0; i < n; i++)
            values[i] = bytes[i] <= 1 ? bytes[i] == 1 : Bool(bytes[i], $"{key}[{i}]", ref c);
        return values;
    }

    private static string[] Strings(ref GgufCursor c, int n, string key)
    {
        var values = new string[n];
        for (int i = 0; i < n; i++) values[i] = c.TextElement(key, i, n, GgufHeader.MaxStringBytes);
        return values;
    }

    private static GgufValue[] Nested(ref GgufCursor c, int n, string key, int depth)
    {
        var values = new GgufValue[n];
        for (int i = 0; i < n; i++) values[i] = Array(ref c, $"{key}[{i}]", depth + 1);
        return values;
    }
}
