using System.Runtime.Intrinsics;

namespace LlmLab.Quantization;

/// <summary>
/// FP8 E4M3 as the OCP 8-bit floating point specification defines its "fn" variant (PyTorch's <c>float8_e4m3fn</c>, the
/// FP8 of Hopper tensor cores and of FP8 checkpoints): sign, 4 exponent bits with bias 7, 3 mantissa bits, no
/// infinities, S.1111.111 the only NaN, so the largest finite value is 448 (S.1111.110) and the smallest subnormal 2⁻⁹.
/// </summary>
public static class Fp8E4M3
{
    /// <summary>The largest finite value, 448.</summary>
    public const float MaxValue = 448f;

    /// <summary>The code of NaN with a clear sign bit.</summary>
    public const byte NaN = 0x7F;

    private static readonly float[] Values = BuildTable();

    private static float[] BuildTable()
    {
        var table = new float[256];
        for (int code = 0; code < 256; code++)
        {
            int exponent = (code >> 3) & 0xF, mantissa = code & 7;
            float magnitude = exponent == 0
                ? MathF.ScaleB(mantissa, -9)                                  // subnormal: m · 2⁻⁹
                : MathF.ScaleB(1f + mantissa / 8f, exponent - 7);             // normal: 1.m · 2^(e − 7)
            if (exponent == 0xF && mantissa == 7) magnitude = float.NaN;
            table[code] = (code & 0x80) != 0 ? -magnitude : magnitude;
        }
        return table;
    }

    /// <summary>The value of <paramref name="code"/>.</summary>
    public static float ToSingle(byte code) => Values[code];

    /// <summary>
    /// <paramref name="value"/> rounded to the nearest E4M3 value, ties to even; magnitudes past 448 saturate to ±448
    /// (the "satfinite" conversion of cvt.rn.satfinite.e4m3x2.f32), NaN becomes <see cref="NaN"/>.
    /// </summary>
    public static byte FromSingle(float value)
    {
        if (float.IsNaN(value)) return NaN;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        byte sign = (byte)((bits >> 24) & 0x80);
        float magnitude = MathF.Abs(value);
        if (magnitude >= MaxValue) return (byte)(sign | 0x7E);
        if (magnitude < 0.015625f)   // below the smallest normal 2⁻⁶: a multiple of 2⁻⁹ (codes 0..8; 8 is 2⁻⁶ itself)
            return (byte)(sign | (int)MathF.Round(magnitude * 512f, MidpointRounding.ToEven));
        uint magnitudeBits = bits & 0x7FFFFFFF;
        int exponent = (int)(magnitudeBits >> 23) - 127;               // −6 … 8
        uint fraction = magnitudeBits & 0x7FFFFF;
        uint kept = fraction >> 20, rest = fraction & 0xFFFFF;          // 3 mantissa bits kept of 23
        if (rest > 0x80000 || (rest == 0x80000 && (kept & 1) != 0)) kept++;
        if (kept == 8) { kept = 0; exponent++; }
        int code = ((exponent + 7) << 3) | (int)kept;
        return (byte)(sign | Math.Min(code, 0x7E));   // |v| < 448 rounds to at most 448 (0x7E): the Min only guards the NaN code
    }

    /// <summary>
    /// Encodes a group of values (a weight row, a KV head) with one scale, as FP8 checkpoints and vLLM's dynamic FP8 do:
    /// scale = amax / 448, codes = e4m3(value / scale), so the group uses the whole E4M3 range. A group of zeros has
    /// scale 0 and codes 0.
    /// </summary>
    /// <returns>The scale (fp32): the group decodes as scale · e4m3(code).</returns>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float EncodeScaled(ReadOnlySpan<float> values, Span<byte> codes)
    {
        if (values.Length != codes.Length) throw new ArgumentException($"{values.Length} values need {values.Length} codes, not {codes.Length}", nameof(codes));
        float amax = 0;
        foreach (float v in values) amax = MathF.Max(amax, MathF.Abs(v));
        float scale = amax / MaxValue;
        for (int i = 0; i < values.Length; i++) codes[i] = scale == 0 ? (byte)0 : FromSingle(values[i] / scale);
        return scale;
    }

    /// <summary>
    /// Decodes a group encoded by <see cref="EncodeScaled"/>: value = <paramref name="scale"/> · e4m3(code), bit for bit
    /// as <see cref="ToSingle"/> times the scale. Sixteen codes at a time with 256-bit vectors where the CPU has them
    /// (a CPU matmul widens whole FP8 rows through this; 512-bit vectors measured no faster: ~3.1 G codes/s per core either way): a normal code's exponent and mantissa are moved into an fp32's
    /// and its bias raised by 120; a subnormal one (exponent 0) is its mantissa times 2⁻⁹; the NaN codes stay NaN.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void DecodeScaled(ReadOnlySpan<byte> codes, float scale, Span<float> values)
    {
        if (values.Length != codes.Length) throw new ArgumentException($"{codes.Length} codes decode to {codes.Length} values, not {values.Length}", nameof(values));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var scales = Vector256.Create(scale);
            for (; i + 16 <= codes.Length; i += 16)
            {
                var wide = Vector256.WidenLower(Vector256.Create(Vector128.Create(codes.Slice(i, 16)), Vector128<byte>.Zero));
                Decode8(Vector256.WidenLower(wide), scales).CopyTo(values.Slice(i, 8));
                Decode8(Vector256.WidenUpper(wide), scales).CopyTo(values.Slice(i + 8, 8));
            }
        }
        for (; i < codes.Length; i++) values[i] = scale * Values[codes[i]];
    }

    private static Vector256<float> Decode8(Vector256<uint> code, Vector256<float> scale)
    {
        var magnitude = code & Vector256.Create(0x7Fu);
        var sign = (code & Vector256.Create(0x80u)) << 24;
        var normal = ((magnitude << 20) + Vector256.Create(120u << 23)).AsSingle();                    // 1.m · 2^(e − 7)
        var subnormal = Vector256.ConvertToSingle(magnitude.AsInt32()) * Vector256.Create(1f / 512);   // m · 2⁻⁹ (e = 0)
        var value = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(8u)).AsSingle(), subnormal, normal);
        value = Vector256.ConditionalSelect(Vector256.Equals(magnitude, Vector256.Create(0x7Fu)).AsSingle(), Vector256.Create(float.NaN), value);
        return (value.AsUInt32() | sign).AsSingle() * scale;
    }
}
