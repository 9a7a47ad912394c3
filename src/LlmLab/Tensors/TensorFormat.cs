namespace LlmLab.Tensors;

/// <summary>
/// How a tensor's elements are stored: plain element types (F32 … Bool, FP8) and ggml's block types
/// (Q8_0 … MXFP4), whose elements come in blocks of <see cref="TensorFormats.BlockLength"/> sharing scales.
/// A storage format is not an activation type: activations have a <see cref="DType"/>; a weight keeps its
/// format and each backend says which formats its products read (<see cref="Backends.IBackend.Supports"/>).
/// Sizes come from <see cref="TensorFormats.ByteCount(TensorFormat, ReadOnlySpan{long})"/>, never from elements × a size.
/// </summary>
public enum TensorFormat
{
    /// <summary>IEEE 754 binary32.</summary>
    F32,
    /// <summary>IEEE 754 binary16.</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of an F32.</summary>
    BF16,
    /// <summary>IEEE 754 binary64.</summary>
    F64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>One byte per boolean.</summary>
    Bool,
    /// <summary>FP8 E4M3 (OCP "fn": no infinities, max 448).</summary>
    F8_E4M3,
    /// <summary>FP8 E5M2.</summary>
    F8_E5M2,
    /// <summary>ggml Q8_0: 32 int8 with one fp16 scale (34 bytes).</summary>
    Q8_0,
    /// <summary>ggml Q4_0: 32 four-bit values offset by 8, one fp16 scale (18 bytes).</summary>
    Q4_0,
    /// <summary>ggml Q4_1: 32 four-bit values, fp16 scale and minimum (20 bytes).</summary>
    Q4_1,
    /// <summary>ggml Q5_0: 32 five-bit values offset by 16, one fp16 scale (22 bytes).</summary>
    Q5_0,
    /// <summary>ggml Q5_1: 32 five-bit values, fp16 scale and minimum (24 bytes).</summary>
    Q5_1,
    /// <summary>ggml Q2_K: 256 two-bit values in 16 sub-blocks with 4-bit scales and minimums (84 bytes).</summary>
    Q2_K,
    /// <summary>ggml Q3_K: 256 three-bit values in 16 sub-blocks with 6-bit scales (110 bytes).</summary>
    Q3_K,
    /// <summary>ggml Q4_K: 256 four-bit values in 8 sub-blocks with 6-bit scales and minimums (144 bytes).</summary>
    Q4_K,
    /// <summary>ggml Q5_K: 256 five-bit values in 8 sub-blocks with 6-bit scales and minimums (176 bytes).</summary>
    Q5_K,
    /// <summary>ggml Q6_K: 256 six-bit values in 16 sub-blocks with int8 scales (210 bytes).</summary>
    Q6_K,
    /// <summary>ggml IQ4_NL: 32 four-bit indices into a non-linear table, one fp16 scale (18 bytes).</summary>
    IQ4_NL,
    /// <summary>ggml IQ4_XS: 256 four-bit indices into the IQ4_NL table, 6-bit sub-block scales (136 bytes).</summary>
    IQ4_XS,
    /// <summary>OCP MXFP4 as ggml stores it: 32 E2M1 values with one E8M0 exponent (17 bytes).</summary>
    MXFP4,
    /// <summary>
    /// FP8 weights with a scale per output channel (row), the layout of the hub's FP8 checkpoints (an F8_E4M3 weight
    /// and its <c>weight_scale</c>) and of <c>--quant fp8</c>: each row is its E4M3 codes (one byte per element) followed
    /// by its fp32 scale, so a row of k elements takes k + 4 bytes and w = scale · e4m3(code).
    /// </summary>
    FP8,
}

/// <summary>Block geometry, names and ggml type ids of <see cref="TensorFormat"/>: the one table sizes come from.</summary>
public static class TensorFormats
{
    /// <summary>Elements per super-block of the K-quants and IQ4_XS (ggml's QK_K).</summary>
    public const int SuperBlock = 256;

    /// <summary>Elements per block of the 32-element types (ggml's QK4_0, QK8_0, …).</summary>
    public const int SmallBlock = 32;

    // (elements per block, bytes per block, ggml type id or -1). Bits per weight are derived from the first two.
    private static (int Length, int Bytes, int Ggml) Geometry(TensorFormat f) => f switch
    {
        TensorFormat.F32 => (1, 4, 0),
        TensorFormat.F16 => (1, 2, 1),
        TensorFormat.BF16 => (1, 2, 30),
        TensorFormat.F64 => (1, 8, 28),
        TensorFormat.I64 => (1, 8, 27),
        TensorFormat.I32 => (1, 4, 26),
        TensorFormat.I16 => (1, 2, 25),
        TensorFormat.I8 => (1, 1, 24),
        TensorFormat.U8 => (1, 1, -1),
        TensorFormat.Bool => (1, 1, -1),
        TensorFormat.F8_E4M3 => (1, 1, -1),
        TensorFormat.F8_E5M2 => (1, 1, -1),
        TensorFormat.Q8_0 => (SmallBlock, 2 + 32, 8),
        TensorFormat.Q4_0 => (SmallBlock, 2 + 16, 2),
        TensorFormat.Q4_1 => (SmallBlock, 2 + 2 + 16, 3),
        TensorFormat.Q5_0 => (SmallBlock, 2 + 4 + 16, 6),
        TensorFormat.Q5_1 => (SmallBlock, 2 + 2 + 4 + 16, 7),
        TensorFormat.Q2_K => (SuperBlock, 16 + 64 + 2 + 2, 10),
        TensorFormat.Q3_K => (SuperBlock, 32 + 64 + 12 + 2, 11),
        TensorFormat.Q4_K => (SuperBlock, 2 + 2 + 12 + 128, 12),
        TensorFormat.Q5_K => (SuperBlock, 2 + 2 + 12 + 32 + 128, 13),
        TensorFormat.Q6_K => (SuperBlock, 128 + 64 + 16 + 2, 14),
        TensorFormat.IQ4_NL => (SmallBlock, 2 + 16, 20),
        TensorFormat.IQ4_XS => (SuperBlock, 2 + 2 + 4 + 128, 23),
        TensorFormat.MXFP4 => (SmallBlock, 1 + 16, 39),
        TensorFormat.FP8 => (1, 1, -1),   // plus RowScaleBytes per row (RowBytes)
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown tensor format"),
    };

    /// <summary>Bytes of the fp32 scale after each row of <see cref="TensorFormat.FP8"/>.</summary>
    public const int RowScaleBytes = sizeof(float);

    /// <summary>Every format, in declaration order.</summary>
    public static IReadOnlyList<TensorFormat> All { get; } = Enum.GetValues<TensorFormat>();

    /// <summary>Elements per block (1 for plain element types).</summary>
    public static int BlockLength(this TensorFormat f) => Geometry(f).Length;

    /// <summary>Bytes per block (the element size for plain element types).</summary>
    public static int BytesPerBlock(this TensorFormat f) => Geometry(f).Bytes;

    /// <summary>Bits per weight: 8 × bytes per block ÷ elements per block (Q4_K: 4.5).</summary>
    public static double BitsPerWeight(this TensorFormat f) => 8.0 * Geometry(f).Bytes / Geometry(f).Length;

    /// <summary>True for ggml's block types (more than one element per block).</summary>
    public static bool IsBlockQuantized(this TensorFormat f) => Geometry(f).Length > 1;

    /// <summary>
    /// True for the formats whose values carry scales and that backends read through their quantized paths: ggml's
    /// block types and <see cref="TensorFormat.FP8"/> (one scale per row).
    /// </summary>
    public static bool IsQuantized(this TensorFormat f) => f.IsBlockQuantized() || f == TensorFormat.FP8;

    /// <summary>True for the floating-point formats every backend computes with directly (F32, F16, BF16).</summary>
    public static bool IsFloat(this TensorFormat f) => f is TensorFormat.F32 or TensorFormat.F16 or TensorFormat.BF16;

    /// <summary>True for the formats a weight matrix can be stored in (floats, FP8 and the block types).</summary>
    public static bool IsWeightFormat(this TensorFormat f) => f.IsFloat() || f.IsQuantized() || f is TensorFormat.F8_E4M3 or TensorFormat.F8_E5M2;

    /// <summary>The name used in GGUF tools and on the command line ("Q4_K", "BF16", "F8_E4M3").</summary>
    public static string Name(this TensorFormat f) => f.ToString();

    /// <summary>Parses a format name, case-insensitively; false for anything else.</summary>
    public static bool TryParse(string? name, out TensorFormat format)
    {
        foreach (var f in All)
            if (string.Equals(f.ToString(), name, StringComparison.OrdinalIgnoreCase)) { format = f; return true; }
        format = default;
        return false;
    }

    /// <summary>ggml's <c>ggml_type</c> id, or null for formats ggml has no id for (U8, Bool, FP8).</summary>
    public static int? GgmlType(this TensorFormat f) => Geometry(f).Ggml is var id and >= 0 ? id : null;

    /// <summary>The format of a ggml type id, or false for ids LlmLab does not read.</summary>
    public static bool TryFromGgmlType(uint id, out TensorFormat format)
    {
        foreach (var f in All)
            if (Geometry(f).Ggml == id) { format = f; return true; }
        format = default;
        return false;
    }

    /// <summary>The storage format of a plain element type.</summary>
    public static TensorFormat FromDType(DType t) => t switch
    {
        DType.F32 => TensorFormat.F32,
        DType.F16 => TensorFormat.F16,
        DType.BF16 => TensorFormat.BF16,
        DType.F64 => TensorFormat.F64,
        DType.I64 => TensorFormat.I64,
        DType.I32 => TensorFormat.I32,
        DType.I16 => TensorFormat.I16,
        DType.I8 => TensorFormat.I8,
        DType.U8 => TensorFormat.U8,
        DType.Bool => TensorFormat.Bool,
        DType.F8E4M3 => TensorFormat.F8_E4M3,
        DType.F8E5M2 => TensorFormat.F8_E5M2,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    /// <summary>The element type of a plain format, or null for block types.</summary>
    public static DType? ElementType(this TensorFormat f) => f switch
    {
        TensorFormat.F32 => DType.F32,
        TensorFormat.F16 => DType.F16,
        TensorFormat.BF16 => DType.BF16,
        TensorFormat.F64 => DType.F64,
        TensorFormat.I64 => DType.I64,
        TensorFormat.I32 => DType.I32,
        TensorFormat.I16 => DType.I16,
        TensorFormat.I8 => DType.I8,
        TensorFormat.U8 => DType.U8,
        TensorFormat.Bool => DType.Bool,
        TensorFormat.F8_E4M3 => DType.F8E4M3,
        TensorFormat.F8_E5M2 => DType.F8E5M2,
        _ => null,
    };

    /// <summary>True when a row of <paramref name="elements"/> elements is a whole number of blocks.</summary>
    public static bool DividesRow(this TensorFormat f, long elements) => elements % Geometry(f).Length == 0;

    /// <summary>Bytes of one row of <paramref name="elements"/> elements (overflow-checked; FP8 rows include their scale).</summary>
    /// <exception cref="ArgumentException">The row is not a whole number of blocks.</exception>
    public static long RowBytes(this TensorFormat f, long elements)
    {
        var (length, bytes, _) = Geometry(f);
        if (elements < 0 || elements % length != 0)
            throw new ArgumentException($"a {f} row of {elements} elements is not a whole number of {length}-element blocks", nameof(elements));
        return f == TensorFormat.FP8 ? checked(elements + RowScaleBytes) : checked(elements / length * bytes);
    }

    /// <summary>
    /// Bytes of a tensor of <paramref name="shape"/> (outermost first; the last dimension is the row and must
    /// divide into blocks). Overflow-checked: throws <see cref="OverflowException"/> rather than wrapping.
    /// </summary>
    public static long ByteCount(this TensorFormat f, ReadOnlySpan<long> shape)
    {
        if (shape.Length == 0) return f.RowBytes(f.BlockLength());
        long rows = 1;
        for (int i = 0; i < shape.Length - 1; i++)
        {
            if (shape[i] < 0) throw new ArgumentException($"dimension {shape[i]} is negative", nameof(shape));
            rows = checked(rows * shape[i]);
        }
        return checked(rows * f.RowBytes(shape[^1]));
    }

    /// <summary><see cref="ByteCount(TensorFormat, ReadOnlySpan{long})"/> for an array shape.</summary>
    public static long ByteCount(this TensorFormat f, long[] shape) => f.ByteCount(shape.AsSpan());
}
