using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu;

/// <summary>The K-quants (256-element super-blocks) and IQ4_XS, unpacked to int8 and per-16 scales/offsets.</summary>
internal static unsafe partial class CpuBlockUnpack
{
    // block_q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin. Each 128-element half reads
    // 32 bytes of qs four times (2-bit fields at shifts 0, 2, 4, 6); each 32 elements are two groups of 16.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q2_K(byte* b, sbyte* q, float* s, float* o)
    {
        byte* scales = b, qs = b + 16;
        float d = Half(b + 80), dmin = Half(b + 82);
        var three = Vector256.Create((byte)3);
        for (int h = 0; h < 2; h++)
        {
            var v = Vector256.Load(qs + 32 * h);
            for (int j = 0; j < 4; j++)
                (Vector256.ShiftRightLogical(v, 2 * j) & three).Store((byte*)q + 128 * h + 32 * j);
        }
        for (int g = 0; g < 16; g++)
        {
            s[g] = d * (scales[g] & 0xF);
            o[g] = -(dmin * (scales[g] >> 4));
        }
    }

    // block_q3_K: hmask[32], qs[64], scales[12] (sixteen 6-bit values, stored biased by 32), d. Element
    // 128h + 32j + l: low 2 bits from qs[32h + l] at shift 2j, high bit from hmask[l] bit 4h + j; q = q3 − 4
    // where q3 = low | high << 2 (ggml subtracts 4 when the high bit is clear).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q3_K(byte* b, sbyte* q, float* s)
    {
        byte* hmask = b, qs = b + 32, scales = b + 96;
        float d = Half(b + 108);
        var three = Vector256.Create((byte)3);
        var one = Vector256.Create((byte)1);
        var four = Vector256.Create((byte)4);
        var hm = Vector256.Load(hmask);
        for (int h = 0; h < 2; h++)
        {
            var v = Vector256.Load(qs + 32 * h);
            for (int j = 0; j < 4; j++)
            {
                var low = Vector256.ShiftRightLogical(v, 2 * j) & three;
                var high = Vector256.ShiftLeft(Vector256.ShiftRightLogical(hm, 4 * h + j) & one, 2);
                ((low | high) - four).Store((byte*)q + 128 * h + 32 * j);
            }
        }
        for (int g = 0; g < 16; g++)
        {
            int low4 = g < 8 ? scales[g] & 0xF : scales[g - 8] >> 4;
            int high2 = (scales[8 + g % 4] >> (2 * (g / 4))) & 3;
            s[g] = d * ((low4 | high2 << 4) - 32);
        }
    }

    /// <summary>Q4_K/Q5_K 6-bit scale and minimum of sub-block j (0..7) from the 12 packed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Scale, int Min) ScaleMin(byte* p, int j) => j < 4
        ? (p[j] & 63, p[j + 4] & 63)
        : ((p[j + 4] & 0xF) | ((p[j - 4] >> 6) << 4), (p[j + 4] >> 4) | ((p[j] >> 6) << 4));

    // block_q4_K: d, dmin, scales[12], qs[128]. Chunk c (64 elements) reads qs[32c ..]: low nibbles are
    // sub-block 2c, high nibbles sub-block 2c + 1; w = d·sc·q − dmin·m.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q4_K(byte* b, sbyte* q, float* s, float* o)
    {
        float d = Half(b), dmin = Half(b + 2);
        byte* scales = b + 4, qs = b + 16;
        var mask = Vector256.Create((byte)0x0F);
        for (int c = 0; c < 4; c++)
        {
            var v = Vector256.Load(qs + 32 * c);
            (v & mask).Store((byte*)q + 64 * c);
            Vector256.ShiftRightLogical(v, 4).Store((byte*)q + 64 * c + 32);
        }
        ScalesAndMins(scales, d, dmin, s, o);
    }

    // block_q5_K: d, dmin, scales[12], qh[32], qs[128]: as Q4_K plus a 5th bit, qh[l] bit 2c for element
    // 64c + l and bit 2c + 1 for element 64c + 32 + l.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q5_K(byte* b, sbyte* q, float* s, float* o)
    {
        float d = Half(b), dmin = Half(b + 2);
        byte* scales = b + 4, qh = b + 16, qs = b + 48;
        var mask = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        var h = Vector256.Load(qh);
        for (int c = 0; c < 4; c++)
        {
            var v = Vector256.Load(qs + 32 * c);
            var h0 = Vector256.ShiftLeft(Vector256.ShiftRightLogical(h, 2 * c) & one, 4);
            var h1 = Vector256.ShiftLeft(Vector256.ShiftRightLogical(h, 2 * c + 1) & one, 4);
            ((v & mask) | h0).Store((byte*)q + 64 * c);
            (Vector256.ShiftRightLogical(v, 4) | h1).Store((byte*)q + 64 * c + 32);
        }
        ScalesAndMins(scales, d, dmin, s, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScalesAndMins(byte* scales, float d, float dmin, float* s, float* o)
    {
        for (int j = 0; j < 8; j++)
        {
            var (sc, m) = ScaleMin(scales, j);
            float d1 = d * sc, m1 = -(dmin * m);
            s[2 * j] = s[2 * j + 1] = d1;
            o[2 * j] = o[2 * j + 1] = m1;
        }
    }

    // block_q6_K: ql[128], qh[64], scales[16] int8, d. Half h (128 elements) reads ql[64h ..], qh[32h ..]:
    // element 128h + 32t + l = (nibble of ql | 2 bits of qh[l] at shift 2t) − 32, nibble = low of ql[l] (t = 0),
    // low of ql[l + 32] (t = 1), high of ql[l] (t = 2), high of ql[l + 32] (t = 3); group g has scale d·scales[g].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q6_K(byte* b, sbyte* q, float* s)
    {
        byte* ql = b, qh = b + 128;
        sbyte* scales = (sbyte*)(b + 192);
        float d = Half(b + 208);
        var mask = Vector256.Create((byte)0x0F);
        var three = Vector256.Create((byte)3);
        var bias = Vector256.Create((byte)32);
        for (int h = 0; h < 2; h++)
        {
            var a = Vector256.Load(ql + 64 * h);
            var c = Vector256.Load(ql + 64 * h + 32);
            var hb = Vector256.Load(qh + 32 * h);
            byte* dst = (byte*)q + 128 * h;
            (((a & mask) | Vector256.ShiftLeft(hb & three, 4)) - bias).Store(dst);
            (((c & mask) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(hb, 2) & three, 4)) - bias).Store(dst + 32);
            ((Vector256.ShiftRightLogical(a, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(hb, 4) & three, 4)) - bias).Store(dst + 64);
            ((Vector256.ShiftRightLogical(c, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(hb, 6), 4)) - bias).Store(dst + 96);
        }
        for (int g = 0; g < 16; g++) s[g] = d * scales[g];
    }

    // block_iq4_xs: d, scales_h (u16), scales_l[4], qs[128]. Sub-block i (32 elements) has the 6-bit scale
    // (low nibble of scales_l[i/2] at 4·(i%2) | 2 bits of scales_h at 2i << 4) − 32, and 16 bytes of IQ4_NL nibbles.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void IQ4_XS(byte* b, sbyte* q, float* s)
    {
        float d = Half(b);
        int scalesH = *(ushort*)(b + 2);
        byte* scalesL = b + 4, qs = b + 8;
        for (int i = 0; i < 8; i++)
        {
            int ls = ((scalesL[i / 2] >> (4 * (i % 2))) & 0xF) | (((scalesH >> (2 * i)) & 3) << 4);
            s[2 * i] = s[2 * i + 1] = d * (ls - 32);
            LookUp(qs + 16 * i, Iq4Values, q + 32 * i);
        }
    }
}
