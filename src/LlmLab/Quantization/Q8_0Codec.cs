using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml Q8_0 (34 bytes per 32 values): d:fp16, qs:int8[32]; value = d · q. Quantizer: d = amax / 127,
/// q = roundf(x / d) (half away from zero), as ggml's <c>quantize_row_q8_0_ref</c>. The commonest 32-element
/// type, so both directions have a Vector256 path beside the scalar one (the same fp32 operations lane by lane;
/// tests hold the two equal).
/// </summary>
internal sealed class Q8_0Codec() : GgmlBlockCodec(TensorFormat.Q8_0)
{
    private const int Levels = 127; // largest |q|

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        if (Vector256.IsHardwareAccelerated && QuantizeVector(x, y)) return;
        QuantizeScalar(x, y);
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        if (Vector256.IsHardwareAccelerated) DequantizeVector(y, x);
        else DequantizeScalar(y, x);
    }

    /// <summary>ggml's loop as written: amax by a running MAX, then each value rounded half away from zero.</summary>
    internal static void QuantizeScalar(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0;
        for (int j = 0; j < x.Length; j++)
        {
            float a = MathF.Abs(x[j]);
            amax = amax > a ? amax : a; // ggml's MAX(amax, a), NaN behaviour included
        }
        float d = amax / Levels;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));
        var qs = y[2..];
        for (int j = 0; j < x.Length; j++)
            qs[j] = (byte)Truncate(MathF.Round(x[j] * id, MidpointRounding.AwayFromZero));
    }

    /// <summary>
    /// Four Vector256 of eight lanes. Returns false, writing nothing, for a block holding a NaN: ggml's running
    /// MAX then depends on the NaN's position, which only the scalar loop reproduces. Without NaN the maximum is
    /// order-independent, roundf is truncation plus a step where |x − trunc x| ≥ ½ (exact), and
    /// <c>ConvertToInt32Native</c> is cvttps2dq, the vector form of C's conversion.
    /// </summary>
    internal static bool QuantizeVector(ReadOnlySpan<float> x, Span<byte> y)
    {
        var v0 = Vector256.Create(x[..8]);
        var v1 = Vector256.Create(x.Slice(8, 8));
        var v2 = Vector256.Create(x.Slice(16, 8));
        var v3 = Vector256.Create(x.Slice(24, 8));
        if (!(Vector256.EqualsAll(v0, v0) && Vector256.EqualsAll(v1, v1) && Vector256.EqualsAll(v2, v2) && Vector256.EqualsAll(v3, v3)))
            return false; // a NaN is the one value unequal to itself

        var m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        float amax = MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
        float d = amax / Levels;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));

        var scale = Vector256.Create(id);
        var q01 = Vector256.Narrow(Quantize(v0 * scale), Quantize(v1 * scale));
        var q23 = Vector256.Narrow(Quantize(v2 * scale), Quantize(v3 * scale));
        Vector256.Narrow(q01, q23).AsByte().CopyTo(y[2..]);
        return true;
    }

    // roundf then C's (int8_t): round half away from zero, cvttps2dq (the narrowing keeps the low byte).
    private static Vector256<int> Quantize(Vector256<float> v)
    {
        var t = Vector256.Truncate(v);
        var step = Vector256.GreaterThanOrEqual(Vector256.Abs(v - t), Vector256.Create(0.5f));
        var rounded = t + (step & Vector256.CopySign(Vector256<float>.One, v));
        return Vector256.ConvertToInt32Native(rounded);
    }

    internal static void DequantizeScalar(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        var qs = y[2..];
        for (int j = 0; j < x.Length; j++) x[j] = (sbyte)qs[j] * d;
    }

    internal static void DequantizeVector(ReadOnlySpan<byte> y, Span<float> x)
    {
        var d = Vector256.Create(FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y)));
        var q = Vector256.Create(y.Slice(2, 32)).AsSByte();
        var (q0, q1) = Vector256.Widen(q);       // 2 × 16 int16
        var (i0, i1) = Vector256.Widen(q0);      // 2 × 8 int32
        var (i2, i3) = Vector256.Widen(q1);
        (Vector256.ConvertToSingle(i0) * d).CopyTo(x);
        (Vector256.ConvertToSingle(i1) * d).CopyTo(x[8..]);
        (Vector256.ConvertToSingle(i2) * d).CopyTo(x[16..]);
        (Vector256.ConvertToSingle(i3) * d).CopyTo(x[24..]);
    }
}
