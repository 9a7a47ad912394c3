namespace LlmLab.Formats;

/// <summary>The value types of GGUF metadata (ggml's <c>gguf_type</c>, docs/gguf.md).</summary>
public enum GgufValueType : uint
{
    /// <summary>u8.</summary>
    UInt8 = 0,
    /// <summary>i8.</summary>
    Int8 = 1,
    /// <summary>u16.</summary>
    UInt16 = 2,
    /// <summary>i16.</summary>
    Int16 = 3,
    /// <summary>u32.</summary>
    UInt32 = 4,
    /// <summary>i32.</summary>
    Int32 = 5,
    /// <summary>f32.</summary>
    Float32 = 6,
    /// <summary>bool (one byte, 0 or 1).</summary>
    Bool = 7,
    /// <summary>UTF-8 string: u64 length, bytes, no terminator.</summary>
    String = 8,
    /// <summary>Array: u32 element type, u64 count, elements.</summary>
    Array = 9,
    /// <summary>u64.</summary>
    UInt64 = 10,
    /// <summary>i64.</summary>
    Int64 = 11,
    /// <summary>f64.</summary>
    Float64 = 12,
}

/// <summary>
/// One GGUF metadata value. Scalars hold the CLR value of their type (byte, sbyte, ushort, short, uint, int,
/// float, bool, string, ulong, long, double); arrays hold a CLR array of their element type (string[] for strings,
/// and <see cref="GgufValue"/>[] for nested arrays) with <see cref="ElementType"/> set.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType? ElementType = null)
{
    /// <summary>The value as a string, or null when it is not a string.</summary>
    public string? AsString() => Value as string;

    /// <summary>An integer scalar of any width as a long, or null when the value is not an integer that fits.</summary>
    public long? AsInt64() => Value switch
    {
        byte v => v, sbyte v => v, ushort v => v, short v => v, uint v => v, int v => v, long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => null,
    };

    /// <summary>A float or integer scalar as a double, or null.</summary>
    public double? AsDouble() => Value switch { float v => v, double v => v, _ => AsInt64() };

    /// <summary>The value as a bool, or null.</summary>
    public bool? AsBool() => Value is bool b ? b : null;

    /// <summary>A string array, or null when the value is not one.</summary>
    public string[]? AsStringArray() => Value as string[];

    /// <summary>An integer array of any width as longs, or null.</summary>
    public long[]? AsInt64Array() => Value switch
    {
        byte[] a => Array.ConvertAll(a, v => (long)v), sbyte[] a => Array.ConvertAll(a, v => (long)v),
        ushort[] a => Array.ConvertAll(a, v => (long)v), short[] a => Array.ConvertAll(a, v => (long)v),
        uint[] a => Array.ConvertAll(a, v => (long)v), int[] a => Array.ConvertAll(a, v => (long)v),
        long[] a => a, ulong[] a when a.All(v => v <= long.MaxValue) => Array.ConvertAll(a, v => (long)v),
        _ => null,
    };

    /// <summary>A float array (f32, or f64 narrowed), or null.</summary>
    public float[]? AsSingleArray() => Value switch { float[] a => a, double[] a => Array.ConvertAll(a, v => (float)v), _ => null };
}
