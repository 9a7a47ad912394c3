using System.Runtime.CompilerServices;

namespace LlmLab.Quantization;

/// <summary>
/// ggml's scalar arithmetic reproduced bit for bit, so LlmLab's quantizers write the bytes llama.cpp writes:
/// its <c>nearest_int</c>, C's float-to-integer conversion as x86-64 performs it, fp16 and E8M0 conversions.
/// Every expression elsewhere keeps ggml's order of fp32 operations (no FMA, no reassociation; RyuJIT contracts
/// nothing and ggml-base is built without FMA).
/// </summary>
internal static class GgmlArithmetic
{
    // 1.5 · 2^23: adding it pushes a float's integer part into the low mantissa bits, rounded half to even.
    private const float RoundingMagic = 12582912f;

    /// <summary>ggml's <c>nearest_int</c>: round half to even via the magic-number trick (|x| ≤ 2^22).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float x)
    {
        float v = x + RoundingMagic;
        return (BitConverter.SingleToInt32Bits(v) & 0x007FFFFF) - 0x00400000;
    }

    /// <summary>
    /// C's float-to-integer conversion as gcc emits it on x86-64 (<c>cvttss2si</c>): truncation toward zero, and
    /// the "integer indefinite" int.MinValue for NaN and values outside int32. A narrower C target
    /// (<c>(int8_t)</c>, <c>(uint8_t)</c>) keeps the low bits of this. .NET saturates instead, hence this method.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Truncate(float x) => x >= -2147483648f && x < 2147483648f ? (int)x : int.MinValue;

    /// <summary>C's <c>(int8_t)x</c> on x86-64: the low byte of <see cref="Truncate"/>, as a signed value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TruncateToInt8(float x) => (sbyte)Truncate(x);

    /// <summary>
    /// fp32 to IEEE fp16 bits, round to nearest even, overflow to infinity, as <c>GGML_FP32_TO_FP16</c>;
    /// NaN becomes the quiet NaN 0x7E00 with the input's sign, as ggml writes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToHalf(float x) => float.IsNaN(x)
        ? (ushort)(((uint)BitConverter.SingleToInt32Bits(x) >> 16 & 0x8000) | 0x7E00)
        : BitConverter.HalfToUInt16Bits((Half)x);

    /// <summary>fp16 bits to fp32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromHalf(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>
    /// Half of the E8M0 scale 2^(e − 127), i.e. 2^(e − 128), as <c>ggml_e8m0_to_fp32_half</c>: MXFP4 stores its
    /// E2M1 values doubled (as integers), so the block scale is halved once here. e &lt; 2 gives fp32 subnormals.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float E8M0Half(byte e) => BitConverter.Int32BitsToSingle(e < 2 ? 0x00200000 << e : (e - 1) << 23);
}
