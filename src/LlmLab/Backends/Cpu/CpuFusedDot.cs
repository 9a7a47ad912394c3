using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Decode-time dot products of one W row in a block format with one int8 activation row, decoding each block
/// in registers and multiplying it at once (as llama.cpp's ggml_vec_dot_*_q8_* do) instead of unpacking the row
/// to scratch first: for one activation row nothing is reused, so the unpacked copy would only cost stores and
/// loads. Same numerics as <see cref="CpuQuantMatMul"/> (exact int32 block sums, fp32 scales, activation scale per
/// 32). AVX2, with AVX-512BW kernels for Q8_0/Q4_0/Q4_K/Q5_K/Q6_K/Q3_K/Q2_K/IQ4_XS (CpuFusedDot.Avx512.cs) that take a run of rows per call;
/// <see cref="CpuQuantMatMul"/> falls back to its unpacking path elsewhere and for other formats.
/// </summary>
internal static unsafe partial class CpuFusedDot
{
    /// <summary>True for the formats with a fused kernel on this machine.</summary>
    public static bool Supports(TensorFormat f) => Avx2.IsSupported && Ssse3.IsSupported && f is TensorFormat.Q8_0 or TensorFormat.Q4_0
        or TensorFormat.Q4_1 or TensorFormat.Q5_0 or TensorFormat.Q5_1 or TensorFormat.IQ4_NL or TensorFormat.MXFP4
        or TensorFormat.Q4_K or TensorFormat.Q5_K or TensorFormat.Q6_K || Wide && f is TensorFormat.Q3_K or TensorFormat.Q2_K or TensorFormat.IQ4_XS;

    /// <summary>
    /// y[r] = <see cref="Row"/> of W rows first + r·rowBytes, r &lt; count: a run of rows in one call, so a kernel sets up its
    /// constants once and one row's final reduction overlaps the next row's loads.
    /// </summary>
    public static void Rows(TensorFormat f, byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y)
    {
        if (Wide && f == TensorFormat.Q4_0) Q4_0Wide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.Q8_0) Q8_0Wide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.Q4_K) Q4_KWide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.Q5_K) Q5_KWide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.Q3_K) Q3_KWide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.Q2_K) Q2_KWide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.Q6_K) Q6_KWide(first, rowBytes, count, k, xq, dx, sums, y);
        else if (Wide && f == TensorFormat.IQ4_XS) IQ4_XSWide(first, rowBytes, count, k, xq, dx, sums, y);
        else for (int r = 0; r < count; r++) y[r] = Row(f, first + r * rowBytes, k, xq, dx, sums);
    }

    /// <summary>Σ_e w[e]·x[e] for the row at <paramref name="row"/> (k elements) and activation row (xq, dx, sums).</summary>
    public static float Row(TensorFormat f, byte* row, int k, sbyte* xq, float* dx, float* sums) => f switch
    {
        TensorFormat.Q8_0 => Small<Q8_0Block>(row, k, xq, dx, sums),
        TensorFormat.Q4_0 => Small<Q4_0Block>(row, k, xq, dx, sums),
        TensorFormat.Q4_1 => Small<Q4_1Block>(row, k, xq, dx, sums),
        TensorFormat.Q5_0 => Small<Q5_0Block>(row, k, xq, dx, sums),
        TensorFormat.Q5_1 => Small<Q5_1Block>(row, k, xq, dx, sums),
        TensorFormat.IQ4_NL => Small<Iq4NlBlock>(row, k, xq, dx, sums),
        TensorFormat.MXFP4 => Small<Mxfp4Block>(row, k, xq, dx, sums),
        TensorFormat.Q4_K => Q4_K(row, k, xq, dx, sums),
        TensorFormat.Q5_K => Q5_K(row, k, xq, dx, sums),
        TensorFormat.Q6_K => Q6_K(row, k, xq, dx, sums),
        _ => throw new NotSupportedException($"no fused CPU kernel for {f}"),
    };

    /// <summary>A 32-element block decoded into 32 int8 values with a scale d and (for Q4_1/Q5_1) a minimum m: w = d·q + m.</summary>
    private interface ISmallBlock
    {
        static abstract int Bytes { get; }
        /// <summary>q is unsigned (0…31): multiply directly, no sign transfer needed.</summary>
        static abstract bool Unsigned { get; }
        static abstract bool HasMinimum { get; }
        static abstract Vector256<sbyte> Decode(byte* block, out float d, out float m);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Small<T>(byte* row, int k, sbyte* xq, float* dx, float* sums) where T : struct, ISmallBlock
    {
        var ones = Vector256.Create((short)1);
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        float minimum = 0;
        int blocks = k / 32;
        for (int b = 0; b < blocks; b++)
        {
            var w = T.Decode(row + b * T.Bytes, out float d, out float m);
            var x = Vector256.Load(xq + 32 * b);
            var pairs = T.Unsigned ? Avx2.MultiplyAddAdjacent(w.AsByte(), x) : Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(x, w));
            var sum = Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(pairs, ones));
            if ((b & 1) == 0) acc0 = Vector256.FusedMultiplyAdd(sum, Vector256.Create(d * dx[b]), acc0);
            else acc1 = Vector256.FusedMultiplyAdd(sum, Vector256.Create(d * dx[b]), acc1);
            if (T.HasMinimum) minimum += m * (sums[2 * b] + sums[2 * b + 1]);
        }
        return Vector256.Sum(acc0 + acc1) + minimum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles(byte* qs) =>
        // 16 bytes → 32: element j is the low nibble of qs[j], element j + 16 the high nibble.
        Vector256.Create(Vector128.Load(qs) & Vector128.Create((byte)0x0F), Vector128.ShiftRightLogical(Vector128.Load(qs), 4));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Table(byte* qs, Vector128<sbyte> table)
    {
        var v = Vector128.Load(qs);
        return Vector256.Create(Ssse3.Shuffle(table, (v & Vector128.Create((byte)0x0F)).AsSByte()), Ssse3.Shuffle(table, Vector128.ShiftRightLogical(v, 4).AsSByte()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> FifthBits(byte* qh) => Vector256.Create(
        CpuBlockUnpack.FifthBitsOf(qh[0]), CpuBlockUnpack.FifthBitsOf(qh[1]), CpuBlockUnpack.FifthBitsOf(qh[2]), CpuBlockUnpack.FifthBitsOf(qh[3])).AsByte();

    private readonly struct Q8_0Block : ISmallBlock
    {
        public static int Bytes => 34;
        public static bool Unsigned => false;
        public static bool HasMinimum => false;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m) { d = CpuBlockUnpack.Half(b); m = 0; return Vector256.Load((sbyte*)(b + 2)); }
    }

    private readonly struct Q4_0Block : ISmallBlock
    {
        public static int Bytes => 18;
        public static bool Unsigned => false;
        public static bool HasMinimum => false;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m) { d = CpuBlockUnpack.Half(b); m = 0; return (Nibbles(b + 2) - Vector256.Create((byte)8)).AsSByte(); }
    }

    private readonly struct Q4_1Block : ISmallBlock
    {
        public static int Bytes => 20;
        public static bool Unsigned => true;
        public static bool HasMinimum => true;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m) { d = CpuBlockUnpack.Half(b); m = CpuBlockUnpack.Half(b + 2); return Nibbles(b + 4).AsSByte(); }
    }

    private readonly struct Q5_0Block : ISmallBlock
    {
        public static int Bytes => 22;
        public static bool Unsigned => false;
        public static bool HasMinimum => false;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m)
        {
            d = CpuBlockUnpack.Half(b);
            m = 0;
            return ((Nibbles(b + 6) | FifthBits(b + 2)) - Vector256.Create((byte)16)).AsSByte();
        }
    }

    private readonly struct Q5_1Block : ISmallBlock
    {
        public static int Bytes => 24;
        public static bool Unsigned => true;
        public static bool HasMinimum => true;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m)
        {
            d = CpuBlockUnpack.Half(b);
            m = CpuBlockUnpack.Half(b + 2);
            return (Nibbles(b + 8) | FifthBits(b + 4)).AsSByte();
        }
    }

    private readonly struct Iq4NlBlock : ISmallBlock
    {
        public static int Bytes => 18;
        public static bool Unsigned => false;
        public static bool HasMinimum => false;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m) { d = CpuBlockUnpack.Half(b); m = 0; return Table(b + 2, CpuBlockUnpack.Iq4Table); }
    }

    private readonly struct Mxfp4Block : ISmallBlock
    {
        public static int Bytes => 17;
        public static bool Unsigned => false;
        public static bool HasMinimum => false;
        public static Vector256<sbyte> Decode(byte* b, out float d, out float m) { d = CpuBlockUnpack.E8M0Half(b[0]); m = 0; return Table(b + 1, CpuBlockUnpack.Mxfp4Table); }
    }

    // Q4_K: per super-block d, dmin, 8 six-bit (scale, min) pairs; 32-byte chunk c holds sub-block 2c in its low
    // nibbles and 2c + 1 in its high nibbles. Sub-block j is activation block 8·sb + j, so each 32 elements need
    // one broadcast scale d·sc_j·dx and the minimum adds −dmin·m_j·Σx over the 32.
    private static float Q4_K(byte* row, int k, sbyte* xq, float* dx, float* sums) => KQuant<FourBits>(row, k, xq, dx, sums);

    // Q5_K: Q4_K's super-block with qh[32] between the scales and qs (176 bytes): bit 2c of qh[l] is the fifth bit of
    // element l of sub-block 2c, bit 2c + 1 that of sub-block 2c + 1, so values run 0…31 (unsigned, as pmaddubsw wants).
    private static float Q5_K(byte* row, int k, sbyte* xq, float* dx, float* sums) => KQuant<FiveBits>(row, k, xq, dx, sums);

    /// <summary>Q4_K without and Q5_K with the fifth bit (<typeparamref name="T"/>): one kernel, the same float order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float KQuant<T>(byte* row, int k, sbyte* xq, float* dx, float* sums) where T : struct, IFifthBit
    {
        var ones = Vector256.Create((short)1);
        var mask = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        float minimum = 0;
        for (int sb = 0; sb < k / 256; sb++)
        {
            byte* b = row + sb * T.BlockBytes, scales = b + 4, qs = b + T.QuantsOffset;
            float d = CpuBlockUnpack.Half(b), dmin = CpuBlockUnpack.Half(b + 2);
            var qh = T.Present ? Vector256.Load(b + 16) : default;
            int a = 8 * sb;  // first activation block of this super-block
            for (int c = 0; c < 4; c++)
            {
                var v = Vector256.Load(qs + 32 * c);
                var low = v & mask;
                var high = Vector256.ShiftRightLogical(v, 4);
                if (T.Present)
                {
                    low |= Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * c) & one, 4);
                    high |= Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * c + 1) & one, 4);
                }
                var (sc0, m0) = CpuBlockUnpack.ScaleMin(scales, 2 * c);
                var (sc1, m1) = CpuBlockUnpack.ScaleMin(scales, 2 * c + 1);
                int j0 = a + 2 * c, j1 = j0 + 1;
                var lo = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, Vector256.Load(xq + 32 * j0)), ones);
                var hi = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(high, Vector256.Load(xq + 32 * j1)), ones);
                acc0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(lo), Vector256.Create(d * sc0 * dx[j0]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(hi), Vector256.Create(d * sc1 * dx[j1]), acc1);
                minimum -= dmin * m0 * (sums[2 * j0] + sums[2 * j0 + 1]) + dmin * m1 * (sums[2 * j1] + sums[2 * j1 + 1]);
            }
        }
        return Vector256.Sum(acc0 + acc1) + minimum;
    }

    // Q6_K: per super-block ql[128], qh[64], scales[16] int8, d. Half h: 32 bytes a = ql[64h ..], c = ql[64h + 32 ..],
    // hb = qh[32h ..] give four 32-element chunks t (activation block 4h + t of the super-block), each of two
    // 16-element groups 8h + 2t and 8h + 2t + 1 with scales d·scales[g].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Q6_K(byte* row, int k, sbyte* xq, float* dx, float* sums)
    {
        var ones = Vector256.Create((short)1);
        var mask = Vector256.Create((byte)0x0F);
        var three = Vector256.Create((byte)3);
        var bias = Vector256.Create((byte)32);
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        for (int sb = 0; sb < k / 256; sb++)
        {
            byte* b = row + sb * 210;
            sbyte* scales = (sbyte*)(b + 192);
            float d = CpuBlockUnpack.Half(b + 208);
            for (int h = 0; h < 2; h++)
            {
                var a = Vector256.Load(b + 64 * h);
                var c = Vector256.Load(b + 64 * h + 32);
                var hb = Vector256.Load(b + 128 + 32 * h);
                int j = 8 * sb + 4 * h;
                sbyte* s = scales + 8 * h;
                var q0 = ((a & mask) | Vector256.ShiftLeft(hb & three, 4)) - bias;
                var q1 = ((c & mask) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(hb, 2) & three, 4)) - bias;
                var q2 = (Vector256.ShiftRightLogical(a, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(hb, 4) & three, 4)) - bias;
                var q3 = (Vector256.ShiftRightLogical(c, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(hb, 6), 4)) - bias;
                acc0 = Vector256.FusedMultiplyAdd(Signed(q0.AsSByte(), xq + 32 * j, ones), Pair(d, s[0], s[1], dx[j]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Signed(q1.AsSByte(), xq + 32 * (j + 1), ones), Pair(d, s[2], s[3], dx[j + 1]), acc1);
                acc0 = Vector256.FusedMultiplyAdd(Signed(q2.AsSByte(), xq + 32 * (j + 2), ones), Pair(d, s[4], s[5], dx[j + 2]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Signed(q3.AsSByte(), xq + 32 * (j + 3), ones), Pair(d, s[6], s[7], dx[j + 3]), acc1);
            }
        }
        return Vector256.Sum(acc0 + acc1);
    }

    /// <summary>Σ q·x per 4 elements as fp32 lanes, q signed: |q| times x with q's sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Signed(Vector256<sbyte> q, sbyte* x, Vector256<short> ones) =>
        Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(q), Avx2.Sign(Vector256.Load(x), q)), ones));

    /// <summary>[d·s0·dx ×4, d·s1·dx ×4] (d·s formed first, as ggml's dequantization does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pair(float d, sbyte s0, sbyte s1, float dx) =>
        Vector256.Create(Vector128.Create(d * s0), Vector128.Create(d * s1)) * dx;
}
