using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// AVX-512BW decode kernels for the two most common 32-element formats. Why not the AVX2 loop: per block it spends
// a scalar fp16 decode, a multiply and a broadcast on the block scale and a full 256-bit pass on 32 elements; here
// eight block scales are decoded at once (one vector fp16 → fp32), two blocks share each 512-bit multiply, and each
// pair picks its two scales out of that vector with one permute. Numerics are the AVX2 loop's: exact int32 sums
// per 4 elements, fp32 scales d_w·dx per block. Q4_0 multiplies the unsigned nibbles u = q + 8 (pmaddubsw needs one
// unsigned operand and AVX-512 has no byte sign-transfer) and subtracts 8·d_w·Σx per block from the activation's
// group sums, as the Q4_1 path adds its minimum; that term is fp32 like the rest, so results differ from the exact
// (q − 8)·x sum by fp32 rounding only.
internal static unsafe partial class CpuFusedDot
{
    /// <summary>Blocks per group: one 8-lane vector of block scales.</summary>
    private const int ScaleGroup = 8;

    private static bool Wide => Avx512BW.IsSupported;

    /// <summary>
    /// Eight fp16 values at <paramref name="p"/>, <paramref name="stride"/> bytes apart, to fp32: the lane-wise form of
    /// <see cref="CpuBlockUnpack.Half"/> (magnitude bits moved into place × 2^112; inf/NaN exponents kept all-ones).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Halves(byte* p, int stride)
    {
        var h = Vector256.Create(*(ushort*)p, *(ushort*)(p + stride), *(ushort*)(p + 2 * stride), *(ushort*)(p + 3 * stride),
            *(ushort*)(p + 4 * stride), *(ushort*)(p + 5 * stride), *(ushort*)(p + 6 * stride), *(ushort*)(p + 7 * stride)).AsUInt32();
        var magnitude = Vector256.ShiftLeft(h & Vector256.Create(0x7FFFu), 13);
        var finite = magnitude.AsSingle() * Vector256.Create(5.192296858534828e33f);
        var special = (magnitude | Vector256.Create(0x7F800000u)).AsSingle();
        var f = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x0F800000u)).AsSingle(), special, finite);
        return (f.AsUInt32() | Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16)).AsSingle();
    }

    /// <summary>Permute indices that give lanes 0–7 scales[j] and lanes 8–15 scales[j + 1]: the per-lane scales of blocks j, j + 1 of a group.</summary>
    private static Vector512<int> PairIndex(int j) => Vector512.Create(Vector256.Create(j), Vector256.Create(j + 1));

    /// <summary>16 int32 lanes of Σ u·x over 4 elements each (u unsigned ≤ 128, x signed ≤ 127: pmaddubsw's pairs stay exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(Vector512<byte> u, Vector512<sbyte> x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, x), Vector512.Create((short)1)));

    /// <summary>
    /// Two 16-byte nibble runs (Q4_0's blocks j and j + 1, IQ4_XS's sub-blocks) as 64 unsigned nibbles in element order:
    /// the runs, each copied into two 128-bit lanes (one permute by <see cref="PairSpread"/>, no partial-register merges),
    /// odd lanes shifted by 4 (<see cref="PairShift"/>) for the high nibbles. The kernels hold the constants in locals
    /// (a struct holding them stayed on the stack: every use became a load).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> NibblePair(byte* qa, byte* qb, Vector512<ulong> spread, Vector512<ushort> shift, Vector512<byte> nibble)
    {
        var both = Vector256.Create(Vector128.Load(qa), Vector128.Load(qb)).ToVector512Unsafe().AsUInt64();
        return Avx512BW.ShiftRightLogicalVariable(Avx512F.PermuteVar8x64(both, spread).AsUInt16(), shift).AsByte() & nibble;
    }

    private static Vector512<ulong> PairSpread => Vector512.Create(0ul, 1, 0, 1, 2, 3, 2, 3);

    private static Vector512<ushort> PairShift => Vector512.Create(Vector256.Create(Vector128<ushort>.Zero, Vector128.Create((ushort)4)), Vector256.Create(Vector128<ushort>.Zero, Vector128.Create((ushort)4)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q4_0Wide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y)
    {
        const int bytes = 18;
        Vector512<ulong> spread = PairSpread;
        Vector512<ushort> shift = PairShift;
        var nibble = Vector512.Create((byte)0x0F);
        var duplicate = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        Vector512<int> s01 = PairIndex(0), s23 = PairIndex(2), s45 = PairIndex(4), s67 = PairIndex(6);
        for (int r = 0; r < count; r++)
        {
        byte* row = first + r * rowBytes;
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var offset = Vector512<float>.Zero;
        int blocks = k / 32, b = 0;
        for (; b + ScaleGroup <= blocks; b += ScaleGroup)
        {
            byte* p = row + b * bytes, q = p + 2;
            sbyte* x = xq + 32 * b;
            var d = Halves(p, bytes);
            var scales = (d * Vector256.Load(dx + b)).ToVector512Unsafe();
            acc0 = Vector512.FusedMultiplyAdd(Products(NibblePair(q, q + bytes, spread, shift, nibble), Vector512.Load(x)), Avx512F.PermuteVar16x32(scales, s01), acc0);
            acc1 = Vector512.FusedMultiplyAdd(Products(NibblePair(q + 2 * bytes, q + 3 * bytes, spread, shift, nibble), Vector512.Load(x + 64)), Avx512F.PermuteVar16x32(scales, s23), acc1);
            acc0 = Vector512.FusedMultiplyAdd(Products(NibblePair(q + 4 * bytes, q + 5 * bytes, spread, shift, nibble), Vector512.Load(x + 128)), Avx512F.PermuteVar16x32(scales, s45), acc0);
            acc1 = Vector512.FusedMultiplyAdd(Products(NibblePair(q + 6 * bytes, q + 7 * bytes, spread, shift, nibble), Vector512.Load(x + 192)), Avx512F.PermuteVar16x32(scales, s67), acc1);
            // The −8 of every nibble: d_w times the block's two group sums (which carry dx already).
            offset = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(d.ToVector512Unsafe(), duplicate), Vector512.Load(sums + 2 * b), offset);
        }
        float tail = 0;
        for (; b < blocks; b++)
        {
            var w = Q4_0Block.Decode(row + b * bytes, out float d, out _);
            var pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(Vector256.Load(xq + 32 * b), w));
            tail += d * dx[b] * Vector256.Sum(Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1)));
        }
        y[r] = Vector512.Sum(Vector512.FusedMultiplyAdd(offset, Vector512.Create(-8f), acc0 + acc1)) + tail;
        }
    }

    /// <summary>Σ q·x of two Q8_0 blocks (64 signed bytes at <paramref name="qa"/>, <paramref name="qb"/>) with 64 activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Q8_0Pair(byte* qa, byte* qb, sbyte* x)
    {
        var w = Vector256.Load((sbyte*)qa).ToVector512Unsafe().WithUpper(Vector256.Load((sbyte*)qb));
        var a = Vector512.Load(x);
        // q·x = |q| · (x with q's sign); where q = 0, |q| = 0 makes the sign irrelevant.
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), Vector512<sbyte>.Zero - a, a);
        return Products(Avx512BW.Abs(w), signed);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q8_0Wide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y)
    {
        const int bytes = 34;
        Vector512<int> s01 = PairIndex(0), s23 = PairIndex(2), s45 = PairIndex(4), s67 = PairIndex(6);
        for (int r = 0; r < count; r++)
        {
        byte* row = first + r * rowBytes;
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        int blocks = k / 32, b = 0;
        for (; b + ScaleGroup <= blocks; b += ScaleGroup)
        {
            byte* p = row + b * bytes, q = p + 2;
            sbyte* x = xq + 32 * b;
            var scales = (Halves(p, bytes) * Vector256.Load(dx + b)).ToVector512Unsafe();
            acc0 = Vector512.FusedMultiplyAdd(Q8_0Pair(q, q + bytes, x), Avx512F.PermuteVar16x32(scales, s01), acc0);
            acc1 = Vector512.FusedMultiplyAdd(Q8_0Pair(q + 2 * bytes, q + 3 * bytes, x + 64), Avx512F.PermuteVar16x32(scales, s23), acc1);
            acc0 = Vector512.FusedMultiplyAdd(Q8_0Pair(q + 4 * bytes, q + 5 * bytes, x + 128), Avx512F.PermuteVar16x32(scales, s45), acc0);
            acc1 = Vector512.FusedMultiplyAdd(Q8_0Pair(q + 6 * bytes, q + 7 * bytes, x + 192), Avx512F.PermuteVar16x32(scales, s67), acc1);
        }
        y[r] = Vector512.Sum(acc0 + acc1) + (b < blocks ? Small<Q8_0Block>(row + b * bytes, k - 32 * b, xq + 32 * b, dx + b, sums + 2 * b) : 0);
        }
    }

    /// <summary>
    /// The eight 6-bit (scale, min) pairs of a Q4_K/Q5_K super-block (12 bytes at <paramref name="p"/>) as bytes:
    /// scales in the low 8 bytes, mins in the high 8. Sub-blocks 0–3 keep 6 bits of bytes 0–3 (scale) and 4–7 (min);
    /// sub-blocks 4–7 take their low 4 bits from bytes 8–11 (scale: low nibble, min: high nibble) and their top 2 bits
    /// from the spare top bits of bytes 0–3 (scale) and 4–7 (min). Four bytes per 32-bit word, all at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ScalesMins(byte* p)
    {
        uint w0 = *(uint*)p, w1 = *(uint*)(p + 4), w2 = *(uint*)(p + 8);
        const uint six = 0x3F3F3F3F, four = 0x0F0F0F0F, two = 0x03030303;
        uint scalesLow = w0 & six, minsLow = w1 & six;
        uint scalesHigh = (w2 & four) | ((w0 >> 6) & two) << 4;
        uint minsHigh = ((w2 >> 4) & four) | ((w1 >> 6) & two) << 4;
        return Vector128.Create(scalesLow, scalesHigh, minsLow, minsHigh).AsByte();
    }

    // Q4_K: per 256-element super-block d, dmin, eight 6-bit (scale, min) pairs, then four 32-byte chunks; chunk c
    // holds sub-block 2c in its low nibbles and 2c + 1 in its high nibbles, i.e. 64 contiguous activations. One 512-bit
    // multiply per chunk: the chunk copied into both halves (one permute), the upper half shifted by 4. The activations
    // are Q8_K (one scale per super-block), so, as llama.cpp does, the sub-block scales multiply in integers (pmaddwd
    // of the pair sums with the 6-bit scales) and the super-block's int32 sums meet d_w·dx once. Minimums:
    // Σ_j dmin·m_j·(Σx of sub-block j), from the group sums.
    // Q5_K: the same with qh[32] after the scales (176-byte super-blocks): chunk c's fifth bits are bit 2c (low half)
    // and bit 2c + 1 (high half) of qh[l], moved to bit 4 of each byte by one variable 16-bit shift of qh copied into
    // both halves (a 16-bit lane shifted right by s ≤ 7 brings bit s of each of its bytes to that byte's bit 0).
    private static void Q4_KWide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) =>
        KQuantWide<FourBits>(first, rowBytes, count, k, xq, dx, sums, y);

    private static void Q5_KWide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) =>
        KQuantWide<FiveBits>(first, rowBytes, count, k, xq, dx, sums, y);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KQuantWide<T>(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) where T : struct, IFifthBit
    {
        var spread = Vector512.Create(0ul, 1, 2, 3, 0, 1, 2, 3);
        var shift = Vector512.Create(Vector256<ushort>.Zero, Vector256.Create((ushort)4));
        var nibble = Vector512.Create((byte)0x0F);
        var duplicate = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        Vector512<short> c0 = SubBlockPair(0), c1 = SubBlockPair(2), c2 = SubBlockPair(4), c3 = SubBlockPair(6);
        // Q5_K's shift counts, made here: inside the loop the JIT rebuilt them for every super-block.
        Vector512<ushort> h0 = FifthBitShifts(0), h1 = FifthBitShifts(2), h2 = FifthBitShifts(4), h3 = FifthBitShifts(6);
        for (int r = 0; r < count; r++)
        {
            byte* row = first + r * rowBytes;
            var acc = Vector512<float>.Zero;
            var minimum = Vector512<float>.Zero;
            for (int sb = 0; sb < k / 256; sb++)
            {
                byte* b = row + sb * T.BlockBytes, qs = b + T.QuantsOffset;
                sbyte* x = xq + 256 * sb;
                var sm = ScalesMins(b + 4);
                var sc = Sse41.ConvertToVector128Int16(sm).ToVector256Unsafe().ToVector512Unsafe();   // int16 lanes 0–7: scales
                var m = Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(sm, 8));        // bytes 8–15: mins
                var mins = (Avx.ConvertToVector256Single(m) * CpuBlockUnpack.Half(b + 2)).ToVector512Unsafe();
                Vector512<byte> u0 = Q4_KChunk(qs, spread, shift, nibble), u1 = Q4_KChunk(qs + 32, spread, shift, nibble),
                    u2 = Q4_KChunk(qs + 64, spread, shift, nibble), u3 = Q4_KChunk(qs + 96, spread, shift, nibble);
                if (T.Present)
                {
                    var qh = Vector512.Create(Vector256.Load(b + 16), Vector256.Load(b + 16)).AsUInt16();
                    u0 |= FifthBits(qh, h0);
                    u1 |= FifthBits(qh, h1);
                    u2 |= FifthBits(qh, h2);
                    u3 |= FifthBits(qh, h3);
                }
                var sum = ScaledProducts(u0, Vector512.Load(x), sc, c0)
                        + ScaledProducts(u1, Vector512.Load(x + 64), sc, c1)
                        + ScaledProducts(u2, Vector512.Load(x + 128), sc, c2)
                        + ScaledProducts(u3, Vector512.Load(x + 192), sc, c3);
                acc = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Create(CpuBlockUnpack.Half(b) * dx[8 * sb]), acc);
                minimum = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(mins, duplicate), Vector512.Load(sums + 16 * sb), minimum);
            }
            y[r] = Vector512.Sum(acc - minimum);
        }
    }

    /// <summary>The shift counts of <see cref="FifthBits(Vector512{ushort}, Vector512{ushort})"/> for chunk <paramref name="j"/>/2: j in the low half, j + 1 in the high half.</summary>
    private static Vector512<ushort> FifthBitShifts(int j) => Vector512.Create(Vector256.Create((ushort)j), Vector256.Create((ushort)(j + 1)));

    /// <summary>Q5_K's fifth bits of chunk j/2 as bit 4 of each byte: bit j of qh[l] (low half), bit j + 1 (high half); <paramref name="shifts"/> from <see cref="FifthBitShifts"/>(j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> FifthBits(Vector512<ushort> qh, Vector512<ushort> shifts) =>
        Vector512.ShiftLeft(Avx512BW.ShiftRightLogicalVariable(qh, shifts) & Vector512.Create((ushort)0x0101), 4).AsByte();

    /// <summary>int16 permute indices: lanes 0–15 take scale j, lanes 16–31 scale j + 1 (the two 32-element halves of a product).</summary>
    private static Vector512<short> SubBlockPair(int j) => Vector512.Create(Vector256.Create((short)j), Vector256.Create((short)(j + 1)));

    /// <summary>
    /// 16 int32 lanes of Σ u·x·s over 4 elements each: pmaddubsw's pair sums (exact, see <see cref="Products"/>) times the
    /// int16 scale each lane's sub-block takes from <paramref name="scales"/> by <paramref name="index"/> (pmaddwd).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> ScaledProducts(Vector512<byte> u, Vector512<sbyte> x, Vector512<short> scales, Vector512<short> index) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, x), Avx512BW.PermuteVar32x16(scales, index));

    /// <summary>32 bytes of nibbles as 64 unsigned values: low nibbles (elements 0–31), then high nibbles (32–63).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Q4_KChunk(byte* qs, Vector512<ulong> spread, Vector512<ushort> shift, Vector512<byte> nibble) =>
        Avx512BW.ShiftRightLogicalVariable(Avx512F.PermuteVar8x64(Vector256.Load(qs).ToVector512Unsafe().AsUInt64(), spread).AsUInt16(), shift).AsByte() & nibble;

    // Q6_K: per 256-element super-block ql[128], qh[64], sixteen int8 group scales, d. Half h (128 elements) reads
    // ql[64h ..] as one 512-bit [a, c] and qh[32h ..] as hb: activation blocks 4h + t are a's low nibbles (t = 0),
    // c's low (1), a's high (2), c's high (3), each with two bits of hb (bits 2t, 2t + 1) as bits 4–5. Blocks 4h, 4h + 1
    // are one 512-bit product, 4h + 2, 4h + 3 the next. The unsigned u = q + 32 (pmaddubsw needs it) is multiplied and
    // 32·d·s_g·Σx of each group subtracted from the group sums, as the Q4_0 kernel does with its 8. The group scales
    // multiply in integers (pmaddwd) and each super-block's int32 sums meet d·dx once, as in the Q4_K kernel.
    private static void Q6_KWide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) =>
        GroupScaledWide<Q6_KGroups>(first, rowBytes, count, k, xq, dx, sums, y);

    // Q3_K: per 256-element super-block hmask[32], qs[64], 12 bytes of packed 6-bit scales, d. Half h (128 elements) reads
    // qs[32h ..]: element 128h + 32j + l is bits 2j, 2j + 1 of qs[32h + l] with bit 4h + j of hmask[l] on top, minus 4
    // when that bit is clear, i.e. u − 4 with u = q + 4 = 0 … 7 (unsigned, as pmaddubsw wants). Elements j = 0, 1 are one
    // 512-bit product (qs copied into both halves, shifted by 0 and 2), j = 2, 3 the next, as Q6_K's; the 4·s_g·Σx of
    // each group comes off the group sums, and the scales (6-bit − 32) multiply in integers, as in the Q6_K kernel.
    private static void Q3_KWide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) =>
        GroupScaledWide<Q3_KGroups>(first, rowBytes, count, k, xq, dx, sums, y);

    /// <summary>
    /// A K-quant of 16 groups of 16 with int8 group scales and values stored as u = q + <see cref="Bias"/> (Q6_K: 32,
    /// Q3_K: 4): one super-block's scales, d, and per 128-element half the two 64-element unsigned products' inputs.
    /// </summary>
    private interface IGroupScaled
    {
        static abstract int Bytes { get; }
        static abstract float Bias { get; }
        static abstract Vector128<sbyte> Scales(byte* b);
        static abstract float D(byte* b);

        /// <summary>Each group's coefficient of its Σx in the offset that comes off times <see cref="Bias"/> (d·s_g; Q2_K: dmin·m_g).</summary>
        static abstract Vector512<float> Offsets(byte* b, Vector128<sbyte> scales, float d);

        /// <summary>
        /// The per-lane shift counts <see cref="Half"/> takes for half <paramref name="h"/> (up to four; unused ones zero),
        /// made once per call of the kernel: built inside the loop, the JIT rebuilt them for every super-block.
        /// </summary>
        static abstract (Vector512<ushort>, Vector512<ushort>, Vector512<ushort>, Vector512<ushort>) Shifts(int h);

        /// <summary>Half h's u for elements 128h + 0 … 63 and 128h + 64 … 127, with <see cref="Shifts"/>(h).</summary>
        static abstract (Vector512<byte> First, Vector512<byte> Second) Half(byte* b, int h, Vector512<ushort> s0, Vector512<ushort> s1, Vector512<ushort> s2, Vector512<ushort> s3);
    }

    /// <summary>
    /// The group-scaled super-block kernel: the integer products (pmaddubsw of u, pmaddwd with each group's int8 scale)
    /// meet d·dx once per super-block; Σ_g d·s_g·Σx_g gathers beside them and comes off at the end times the bias.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupScaledWide<T>(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) where T : struct, IGroupScaled
    {
        Vector512<short> g0 = GroupQuad(0), g1 = GroupQuad(4), g2 = GroupQuad(8), g3 = GroupQuad(12);
        var (a0, a1, a2, a3) = T.Shifts(0);
        var (b0, b1, b2, b3) = T.Shifts(1);
        for (int r = 0; r < count; r++)
        {
            byte* row = first + r * rowBytes;
            var acc = Vector512<float>.Zero;
            var offset = Vector512<float>.Zero;
            for (int sb = 0; sb < k / 256; sb++)
            {
                byte* b = row + sb * T.Bytes;
                sbyte* x = xq + 256 * sb;
                // The sixteen int8 group scales s_g: as int16 for the integer products; each group's offset coefficient beside.
                var s8 = T.Scales(b);
                var sc = Avx2.ConvertToVector256Int16(s8).ToVector512Unsafe();
                float d = T.D(b);
                offset = Vector512.FusedMultiplyAdd(T.Offsets(b, s8, d), Vector512.Load(sums + 16 * sb), offset);
                var (u01, u23) = T.Half(b, 0, a0, a1, a2, a3);
                var sum = ScaledProducts(u01, Vector512.Load(x), sc, g0) + ScaledProducts(u23, Vector512.Load(x + 64), sc, g1);
                (u01, u23) = T.Half(b, 1, b0, b1, b2, b3);
                sum += ScaledProducts(u01, Vector512.Load(x + 128), sc, g2) + ScaledProducts(u23, Vector512.Load(x + 192), sc, g3);
                acc = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Create(d * dx[8 * sb]), acc);
            }
            y[r] = Vector512.Sum(Vector512.FusedMultiplyAdd(offset, Vector512.Create(-T.Bias), acc));
        }
    }

    /// <summary>d·s_g for the sixteen groups: the offset coefficients of the formats whose bias is a constant u − q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ScaledBy(Vector128<sbyte> scales, float d) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(scales)) * d;

    private struct Q6_KGroups : IGroupScaled
    {
        public static int Bytes => 210;
        public static float Bias => 32f;
        public static Vector128<sbyte> Scales(byte* b) => Vector128.Load((sbyte*)(b + 192));
        public static float D(byte* b) => CpuBlockUnpack.Half(b + 208);
        public static Vector512<float> Offsets(byte* b, Vector128<sbyte> scales, float d) => ScaledBy(scales, d);

        // Bits 2t, 2t + 1 of hb moved to bits 4–5: t = 0 left by 4, t = 1 left by 2 (first pair); t = 2 as is, t = 3 right by 2.
        public static (Vector512<ushort>, Vector512<ushort>, Vector512<ushort>, Vector512<ushort>) Shifts(int h) =>
            (Vector512.Create(Vector256.Create((ushort)4), Vector256.Create((ushort)2)), Vector512.Create(Vector256<ushort>.Zero, Vector256.Create((ushort)2)),
             Vector512<ushort>.Zero, Vector512<ushort>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<byte> First, Vector512<byte> Second) Half(byte* b, int h, Vector512<ushort> leftFirst, Vector512<ushort> rightSecond, Vector512<ushort> s2, Vector512<ushort> s3)
        {
            var nibble = Vector512.Create((byte)0x0F);
            var top = Vector512.Create((byte)0x30);
            var ac = Vector512.Load(b + 64 * h);
            var hb = Avx512F.PermuteVar8x64(Vector256.Load(b + 128 + 32 * h).ToVector512Unsafe().AsUInt64(), Vector512.Create(0ul, 1, 2, 3, 0, 1, 2, 3)).AsUInt16();
            return ((ac & nibble) | (Avx512BW.ShiftLeftLogicalVariable(hb, leftFirst).AsByte() & top),
                    (Vector512.ShiftRightLogical(ac.AsUInt16(), 4).AsByte() & nibble) | (Avx512BW.ShiftRightLogicalVariable(hb, rightSecond).AsByte() & top));
        }
    }

    private struct Q3_KGroups : IGroupScaled
    {
        public static int Bytes => 110;
        public static float Bias => 4f;
        public static Vector128<sbyte> Scales(byte* b) => Q3_KScales(b + 96);
        public static float D(byte* b) => CpuBlockUnpack.Half(b + 108);
        public static Vector512<float> Offsets(byte* b, Vector128<sbyte> scales, float d) => ScaledBy(scales, d);

        // qs bits 2j, 2j + 1 and hmask bit 4h + j: j = 0, 1 for the first product, 2, 3 for the second.
        public static (Vector512<ushort>, Vector512<ushort>, Vector512<ushort>, Vector512<ushort>) Shifts(int h) =>
            (Vector512.Create(Vector256<ushort>.Zero, Vector256.Create((ushort)2)), Vector512.Create(Vector256.Create((ushort)4), Vector256.Create((ushort)6)),
             Vector512.Create(Vector256.Create((ushort)(4 * h)), Vector256.Create((ushort)(4 * h + 1))),
             Vector512.Create(Vector256.Create((ushort)(4 * h + 2)), Vector256.Create((ushort)(4 * h + 3))));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<byte> First, Vector512<byte> Second) Half(byte* b, int h, Vector512<ushort> lowFirst, Vector512<ushort> lowSecond, Vector512<ushort> highFirst, Vector512<ushort> highSecond)
        {
            var spread = Vector512.Create(0ul, 1, 2, 3, 0, 1, 2, 3);
            var three = Vector512.Create((byte)3);
            var one = Vector512.Create((byte)1);
            var hm = Avx512F.PermuteVar8x64(Vector256.Load(b).ToVector512Unsafe().AsUInt64(), spread).AsUInt16();
            var q = Avx512F.PermuteVar8x64(Vector256.Load(b + 32 + 32 * h).ToVector512Unsafe().AsUInt64(), spread).AsUInt16();
            return ((Avx512BW.ShiftRightLogicalVariable(q, lowFirst).AsByte() & three)
                        | Vector512.ShiftLeft((Avx512BW.ShiftRightLogicalVariable(hm, highFirst).AsByte() & one).AsUInt16(), 2).AsByte(),
                    (Avx512BW.ShiftRightLogicalVariable(q, lowSecond).AsByte() & three)
                        | Vector512.ShiftLeft((Avx512BW.ShiftRightLogicalVariable(hm, highSecond).AsByte() & one).AsUInt16(), 2).AsByte());
        }
    }

    // Q2_K: per 256-element super-block scales[16] (low nibble: the group's scale, high nibble: its minimum), qs[64], d,
    // dmin. Half h reads qs[32h ..]: element 128h + 32j + l is bits 2j, 2j + 1 of qs[32h + l] (u = 0 … 3), and
    // w = d·s_g·u − dmin·m_g, so the offset is dmin·m_g·Σx_g with bias 1.
    private static void Q2_KWide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y) =>
        GroupScaledWide<Q2_KGroups>(first, rowBytes, count, k, xq, dx, sums, y);

    private struct Q2_KGroups : IGroupScaled
    {
        public static int Bytes => 84;
        public static float Bias => 1f;
        public static Vector128<sbyte> Scales(byte* b) => (Vector128.Load(b) & Vector128.Create((byte)0x0F)).AsSByte();
        public static float D(byte* b) => CpuBlockUnpack.Half(b + 80);

        public static Vector512<float> Offsets(byte* b, Vector128<sbyte> scales, float d) =>
            Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.ShiftRightLogical(Vector128.Load(b).AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F)))
            * CpuBlockUnpack.Half(b + 82);

        // qs bits 2j, 2j + 1: j = 0, 1 for the first product, 2, 3 for the second.
        public static (Vector512<ushort>, Vector512<ushort>, Vector512<ushort>, Vector512<ushort>) Shifts(int h) =>
            (Vector512.Create(Vector256<ushort>.Zero, Vector256.Create((ushort)2)), Vector512.Create(Vector256.Create((ushort)4), Vector256.Create((ushort)6)),
             Vector512<ushort>.Zero, Vector512<ushort>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<byte> First, Vector512<byte> Second) Half(byte* b, int h, Vector512<ushort> lowFirst, Vector512<ushort> lowSecond, Vector512<ushort> s2, Vector512<ushort> s3)
        {
            var three = Vector512.Create((byte)3);
            var q = Avx512F.PermuteVar8x64(Vector256.Load(b + 16 + 32 * h).ToVector512Unsafe().AsUInt64(), Vector512.Create(0ul, 1, 2, 3, 0, 1, 2, 3)).AsUInt16();
            return (Avx512BW.ShiftRightLogicalVariable(q, lowFirst).AsByte() & three, Avx512BW.ShiftRightLogicalVariable(q, lowSecond).AsByte() & three);
        }
    }

    /// <summary>
    /// Q3_K's 16 group scales from its 12 packed bytes, as int8: group g's low 4 bits are the low (g &lt; 8) or high nibble
    /// of byte g mod 8, its top 2 bits bits 2·(g / 4) of byte 8 + g mod 4; minus 32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Q3_KScales(byte* packed)
    {
        var v = Vector128.CreateScalar(*(ulong*)packed).AsByte();
        var nibble = Vector128.Create((byte)0x0F);
        var low4 = Sse2.UnpackLow((v & nibble).AsUInt64(), (Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble).AsUInt64()).AsByte();
        var high2 = Avx2.ShiftRightLogicalVariable(Vector128.Create(*(uint*)(packed + 8)), Vector128.Create(0u, 2, 4, 6)).AsByte() & Vector128.Create((byte)3);
        return ((low4 | Vector128.ShiftLeft(high2.AsUInt16(), 4).AsByte()) - Vector128.Create((byte)32)).AsSByte();
    }

    /// <summary>int16 permute indices giving each 8-lane quarter of a product (16 elements) the scale of its group: groups g … g + 3.</summary>
    private static Vector512<short> GroupQuad(int g) => Vector512.Create(
        Vector256.Create(Vector128.Create((short)g), Vector128.Create((short)(g + 1))), Vector256.Create(Vector128.Create((short)(g + 2)), Vector128.Create((short)(g + 3))));

    // IQ4_XS: per 256-element super-block d, scales_h (u16: the top 2 bits of each sub-block's 6-bit scale), scales_l
    // (4 bytes: the low nibbles), then eight 16-byte runs; run j holds sub-block j's elements l (low nibble) and l + 16
    // (high nibble), each nibble an index into the non-linear code book (kvalues_iq4nl, −127 … 113). Two runs (64
    // elements) are one 512-bit product: the 32 bytes spread as Q4_0's block pairs are (NibblePair: low nibbles, then
    // high nibbles, per run), looked up with one byte shuffle per 128-bit lane. The values are signed, so as for Q8_0 the product is |w| times
    // x carrying w's sign (|w| ≤ 127 keeps pmaddubsw's pairs exact); the sub-block scales (6-bit − 32) multiply in
    // integers (pmaddwd) and each super-block's int32 sums meet d·dx once, as in the Q4_K kernel. No minimum.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void IQ4_XSWide(byte* first, long rowBytes, int count, int k, sbyte* xq, float* dx, float* sums, float* y)
    {
        const int bytes = 136;
        Vector512<ulong> spread = PairSpread;
        Vector512<ushort> shift = PairShift;
        var nibble = Vector512.Create((byte)0x0F);
        var table = Vector512.Create(CpuBlockUnpack.Iq4Table);
        Vector512<short> c0 = SubBlockPair(0), c1 = SubBlockPair(2), c2 = SubBlockPair(4), c3 = SubBlockPair(6);
        for (int r = 0; r < count; r++)
        {
            byte* row = first + r * rowBytes;
            var acc = Vector512<float>.Zero;
            for (int sb = 0; sb < k / 256; sb++)
            {
                byte* b = row + sb * bytes, qs = b + 8;
                sbyte* x = xq + 256 * sb;
                var sc = IQ4_XSScales(b).ToVector256Unsafe().ToVector512Unsafe();
                var sum = SignedScaledProducts(Avx512BW.Shuffle(table, NibblePair(qs, qs + 16, spread, shift, nibble).AsSByte()), Vector512.Load(x), sc, c0)
                        + SignedScaledProducts(Avx512BW.Shuffle(table, NibblePair(qs + 32, qs + 48, spread, shift, nibble).AsSByte()), Vector512.Load(x + 64), sc, c1)
                        + SignedScaledProducts(Avx512BW.Shuffle(table, NibblePair(qs + 64, qs + 80, spread, shift, nibble).AsSByte()), Vector512.Load(x + 128), sc, c2)
                        + SignedScaledProducts(Avx512BW.Shuffle(table, NibblePair(qs + 96, qs + 112, spread, shift, nibble).AsSByte()), Vector512.Load(x + 192), sc, c3);
                acc = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Create(CpuBlockUnpack.Half(b) * dx[8 * sb]), acc);
            }
            y[r] = Vector512.Sum(acc);
        }
    }

    /// <summary>
    /// IQ4_XS's eight sub-block scales as int16 (lanes 0–7), all at once: sub-block j's low nibble is bits 4j … 4j + 3 of
    /// scales_l, its top two bits bits 2j, 2j + 1 of scales_h; minus 32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> IQ4_XSScales(byte* b)
    {
        var low = Avx2.ShiftRightLogicalVariable(Vector256.Create(*(uint*)(b + 4)), Vector256.Create(0u, 4, 8, 12, 16, 20, 24, 28)) & Vector256.Create(0xFu);
        var high = Avx2.ShiftRightLogicalVariable(Vector256.Create((uint)*(ushort*)(b + 2)), Vector256.Create(0u, 2, 4, 6, 8, 10, 12, 14)) & Vector256.Create(3u);
        var scales = (low | Vector256.ShiftLeft(high, 4)).AsInt32() - Vector256.Create(32);
        return Avx512F.VL.ConvertToVector128Int16(scales);
    }

    /// <summary><see cref="ScaledProducts"/> for signed weights w (|w| ≤ 127): |w| times x with w's sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> SignedScaledProducts(Vector512<sbyte> w, Vector512<sbyte> x, Vector512<short> scales, Vector512<short> index)
    {
        var signed = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), Vector512<sbyte>.Zero - x, x);
        return ScaledProducts(Avx512BW.Abs(w), signed, scales, index);
    }
}
