using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// y[i, 16g + r] for the whole row groups of a <see cref="CpuRepackedWeight"/>: prefill (four activation rows per pass,
/// sharing each unpacked W vector) and decode (one row) with the same lane layout. Per 32 elements and 16 W rows:
/// 4 loads of W, 8 nibble unpacks (shared by the pass's activation rows), then per activation row 8 broadcasts of
/// 4 int8 activations, 8 pmaddubsw (u ≤ 15 and |x| ≤ 127: each int16 pair sum ≤ 3810, so 8 of them add in int16
/// without overflow, 30480 &lt; 32767) and one pmaddwd to int32 (by 1 for Q4_0, by the sub-block scale for Q4_K).
///
/// Numerics (as ggml's vec_dot_q4_0_q8_0 / q4_K_q8_K): Q4_0 per block Σ(u − 8)·x = Σu·x − 8·Σx exactly in int32, then
/// × d_w·d_x in fp32; Q4_K per super-block isum = Σ_j sc_j·Σu·x and msum = Σ_j m_j·Σx (Σx per 32 from
/// <see cref="CpuActivationQuant.BlockSums"/>), exact in int32, then d_w·d_x·isum − dmin·d_x·msum in fp32.
/// fp32 order: one FMA chain per output over the blocks with fl(d_w·d_x) (as llama.cpp's repacked q4_0 GEMV does); for
/// Q4_K each super-block adds −fl(dmin·d_x)·msum first, then fl(d·d_x)·isum. Why that order: every order of these exact
/// integer terms is equally exact, but the Brown Q3_K_M logits test against llama.cpp (QuantizedGgufLlamaCppTests) sits
/// at its 98 % top-1 threshold, and a 1e-7 change flips activation roundings downstream: llama.cpp's own order (a
/// separate minimum chain subtracted at the end) and isum-then-minimum gave 97.7 % (NMSE 1.49e-5 and 1.54e-5), this order
/// 98.4 % (NMSE 1.63e-5), as the row-by-row kernels did.
/// </summary>
internal static unsafe partial class CpuRepackedMatMul
{
    /// <summary>Activation rows per prefill pass: 4 × (int16 sum, int32 sum, fp32 accumulator) plus 8 W vectors fit the 32 registers.</summary>
    private const int TileRows = 4;

    /// <summary>
    /// Groups (of 16 W rows) per task when decoding: at least four tasks per core (the last task of a product leaves the
    /// other cores waiting), otherwise long, since each of <see cref="Rows{T}"/>'s four streams runs through a quarter of
    /// the task: 4 … 16 groups (64 … 256 rows).
    /// </summary>
    private static int DecodeGroupsPerTask(int groups) =>
        Math.Clamp(groups / (4 * Environment.ProcessorCount) / DecodeStreams * DecodeStreams, DecodeStreams, 4 * DecodeStreams);

    /// <summary>Q4_0 nibbles are q + 8.</summary>
    private const int Q4_0Offset = 8;

    /// <summary>y[i·m + j] for i &lt; n and j &lt; 16·Groups from the quantized activations <paramref name="act"/>.</summary>
    public static void Run(CpuRepackedWeight w, CpuActivationQuant act, int n, float* y, int m)
    {
        int k = w.Cols, groups = w.Groups;
        var format = w.Format;
        if (n < TileRows)
        {
            // Decode: per activation row, a task's groups as four streams side by side.
            int per = DecodeGroupsPerTask(groups), tasks = (groups + per - 1) / per;
            CpuParallel.For(tasks, (long)n * groups * CpuRepackedWeight.GroupRows * k, task =>
            {
                int g0 = task * per, count = Math.Min(groups, g0 + per) - g0;
                byte* wg = w.Group(g0);
                for (int i = 0; i < n; i++)
                {
                    float* yg = y + (long)i * m + g0 * CpuRepackedWeight.GroupRows;
                    if (format == TensorFormat.Q4_0) Rows<Q4_0Step>(wg, w.GroupBytes, count, k, act, i, yg);
                    else if (format == TensorFormat.Q8_0) Rows<Q8_0Step>(wg, w.GroupBytes, count, k, act, i, yg);
                    else if (format == TensorFormat.Q4_K) Rows<KStep<FourBits>>(wg, w.GroupBytes, count, k, act, i, yg);
                    else if (format == TensorFormat.Q5_K) Rows<KStep<FiveBits>>(wg, w.GroupBytes, count, k, act, i, yg);
                    else Rows<Q6_KStep>(wg, w.GroupBytes, count, k, act, i, yg);
                }
            });
            return;
        }
        CpuParallel.For(groups, (long)n * groups * CpuRepackedWeight.GroupRows * k, g =>
        {
            byte* wg = w.Group(g);
            float* yg = y + g * CpuRepackedWeight.GroupRows;
            int i = 0;
            for (; i + TileRows <= n; i += TileRows)
                if (format == TensorFormat.Q4_0) Q4_0Tile(wg, k, act, i, yg, m);
                else if (format == TensorFormat.Q8_0) Q8_0Tile(wg, k, act, i, yg, m);
                else if (format == TensorFormat.Q4_K) KTile<FourBits>(wg, k, act, i, yg, m);
                else if (format == TensorFormat.Q5_K) KTile<FiveBits>(wg, k, act, i, yg, m);
                else Q6_KTile(wg, k, act, i, yg, m);
            for (; i < n; i++)
                if (format == TensorFormat.Q4_0) Row<Q4_0Step>(wg, k, act, i, yg + (long)i * m);
                else if (format == TensorFormat.Q8_0) Row<Q8_0Step>(wg, k, act, i, yg + (long)i * m);
                else if (format == TensorFormat.Q4_K) Row<KStep<FourBits>>(wg, k, act, i, yg + (long)i * m);
                else if (format == TensorFormat.Q5_K) Row<KStep<FiveBits>>(wg, k, act, i, yg + (long)i * m);
                else Row<Q6_KStep>(wg, k, act, i, yg + (long)i * m);
        });
    }

    /// <summary>Q4_0, activation rows i0 … i0 + 3 against one group: writes 16 outputs per row at y + i·m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q4_0Tile(byte* w, int k, CpuActivationQuant act, int i0, float* y, int m)
    {
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        short* s0 = act.BlockSums(i0), s1 = act.BlockSums(i0 + 1), s2 = act.BlockSums(i0 + 2), s3 = act.BlockSums(i0 + 3);
        var nibble = Vector512.Create((byte)0x0F);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < k / 32; b++)
        {
            byte* p = w + b * CpuRepackedWeight.Q4_0BlockBytes;
            var d = Halves(p);
            var (l0, l1, l2, l3, h0, h1, h2, h3) = Unpack<FourBits>(p + CpuRepackedWeight.ScalesBytes, nibble);
            int e = 32 * b;
            a0 = Vector512.FusedMultiplyAdd(Q4_0Sum(l0, l1, l2, l3, h0, h1, h2, h3, x0 + e, s0[b]), d * d0[b], a0);
            a1 = Vector512.FusedMultiplyAdd(Q4_0Sum(l0, l1, l2, l3, h0, h1, h2, h3, x1 + e, s1[b]), d * d1[b], a1);
            a2 = Vector512.FusedMultiplyAdd(Q4_0Sum(l0, l1, l2, l3, h0, h1, h2, h3, x2 + e, s2[b]), d * d2[b], a2);
            a3 = Vector512.FusedMultiplyAdd(Q4_0Sum(l0, l1, l2, l3, h0, h1, h2, h3, x3 + e, s3[b]), d * d3[b], a3);
        }
        a0.Store(y + (long)i0 * m);
        a1.Store(y + (long)(i0 + 1) * m);
        a2.Store(y + (long)(i0 + 2) * m);
        a3.Store(y + (long)(i0 + 3) * m);
    }

    /// <summary>The 16 rows' Σ(u − 8)·x of the Q4_0 block at <paramref name="p"/> as fp32 (exact int32 first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Q4_0Sum(byte* p, Vector512<byte> nibble, sbyte* x, short sum)
    {
        var (l0, l1, l2, l3, h0, h1, h2, h3) = Unpack<FourBits>(p + CpuRepackedWeight.ScalesBytes, nibble);
        return Q4_0Sum(l0, l1, l2, l3, h0, h1, h2, h3, x, sum);
    }

    /// <summary>Σ(u − 8)·x per W row (int32 lane r) of one block from its unpacked nibble vectors, as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Q4_0Sum(Vector512<byte> l0, Vector512<byte> l1, Vector512<byte> l2, Vector512<byte> l3,
        Vector512<byte> h0, Vector512<byte> h1, Vector512<byte> h2, Vector512<byte> h3, sbyte* x, short sum)
    {
        var s = Sum16(l0, l1, l2, l3, h0, h1, h2, h3, x);
        var exact = Avx512BW.MultiplyAddAdjacent(s, Vector512.Create((short)1)) - Vector512.Create(Q4_0Offset * sum);
        return Avx512F.ConvertToVector512Single(exact);
    }

    /// <summary>
    /// Σ u·x of one 32-element block for 16 rows as int16 pair sums (two per int32 lane): lane r of l_t, h_t holds row r's
    /// elements 4t … 4t + 3 and 16 + 4t … 16 + 4t + 3, multiplied by the same 4 activations broadcast to every lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Sum16(Vector512<byte> l0, Vector512<byte> l1, Vector512<byte> l2, Vector512<byte> l3,
        Vector512<byte> h0, Vector512<byte> h1, Vector512<byte> h2, Vector512<byte> h3, sbyte* x)
    {
        var (low, high) = PairSums(l0, l1, l2, l3, h0, h1, h2, h3, x);
        return low + high;
    }

    /// <summary>
    /// <see cref="Sum16(Vector512{byte}, Vector512{byte}, Vector512{byte}, Vector512{byte}, Vector512{byte}, Vector512{byte}, Vector512{byte}, Vector512{byte}, sbyte*)"/>'s
    /// two halves before they are added: the elements 0–15 (l_t) and 16–31 (h_t) of the block, four pair sums each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<short> Low, Vector512<short> High) PairSums(Vector512<byte> l0, Vector512<byte> l1, Vector512<byte> l2, Vector512<byte> l3,
        Vector512<byte> h0, Vector512<byte> h1, Vector512<byte> h2, Vector512<byte> h3, sbyte* x)
    {
        int* xi = (int*)x;
        var a = Avx512BW.MultiplyAddAdjacent(l0, Vector512.Create(xi[0]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(l1, Vector512.Create(xi[1]).AsSByte());
        var b = Avx512BW.MultiplyAddAdjacent(l2, Vector512.Create(xi[2]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(l3, Vector512.Create(xi[3]).AsSByte());
        var c = Avx512BW.MultiplyAddAdjacent(h0, Vector512.Create(xi[4]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(h1, Vector512.Create(xi[5]).AsSByte());
        var d = Avx512BW.MultiplyAddAdjacent(h2, Vector512.Create(xi[6]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(h3, Vector512.Create(xi[7]).AsSByte());
        return (a + b, c + d);
    }

    /// <summary>The high nibbles of 64 bytes as bytes 0…15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> High(Vector512<byte> v, Vector512<byte> nibble) =>
        Vector512.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble;

    /// <summary>
    /// Q4_K (<see cref="FourBits"/>) or Q5_K (<see cref="FiveBits"/>), activation rows i0 … i0 + 3 against one group:
    /// writes 16 outputs per row at y + i·m. Q5_K's values reach 31, so its pair sums add in int16 four at a time (4 ×
    /// 2 × 31 × 127 = 31496) and widen per 16 elements (<see cref="ScaledSum{T}"/>); Q4_K's add eight at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KTile<T>(byte* w, int k, CpuActivationQuant act, int i0, float* y, int m) where T : struct, IFifthBit
    {
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        short* s0 = act.BlockSums(i0), s1 = act.BlockSums(i0 + 1), s2 = act.BlockSums(i0 + 2), s3 = act.BlockSums(i0 + 3);
        var nibble = Vector512.Create((byte)0x0F);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int superBlockBytes = T.Present ? CpuRepackedWeight.Q5_KSuperBlockBytes : CpuRepackedWeight.Q4_KSuperBlockBytes;
        int blockBytes = T.Present ? CpuRepackedWeight.Q5_KBlockBytes : CpuRepackedWeight.NibbleBlockBytes;
        for (int sb = 0; sb < k / 256; sb++)
        {
            byte* p = w + sb * superBlockBytes;
            Vector512<int> i0s = default, i1s = default, i2s = default, i3s = default;
            int e = 256 * sb;
            for (int j = 0; j < 8; j++)
            {
                byte* v = p + CpuRepackedWeight.Q4_KQuants + blockBytes * j;
                var (l0, l1, l2, l3, h0, h1, h2, h3) = Unpack<T>(v, nibble);
                var sc = SubBlockScales(p + CpuRepackedWeight.Q4_KScales + CpuRepackedWeight.GroupRows * j);
                int f = e + 32 * j;
                i0s += ScaledSum<T>(l0, l1, l2, l3, h0, h1, h2, h3, x0 + f, sc);
                i1s += ScaledSum<T>(l0, l1, l2, l3, h0, h1, h2, h3, x1 + f, sc);
                i2s += ScaledSum<T>(l0, l1, l2, l3, h0, h1, h2, h3, x2 + f, sc);
                i3s += ScaledSum<T>(l0, l1, l2, l3, h0, h1, h2, h3, x3 + f, sc);
            }
            var d = Halves(p);
            var dmin = Halves(p + CpuRepackedWeight.Q4_KDmin);
            var (m0, m1, m2, m3) = Mins(p);
            int c = 8 * sb;
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MinSum(m0, m1, m2, m3, s0 + c)), dmin * -d0[c], a0);
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i0s), d * d0[c], a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MinSum(m0, m1, m2, m3, s1 + c)), dmin * -d1[c], a1);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i1s), d * d1[c], a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MinSum(m0, m1, m2, m3, s2 + c)), dmin * -d2[c], a2);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i2s), d * d2[c], a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MinSum(m0, m1, m2, m3, s3 + c)), dmin * -d3[c], a3);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i3s), d * d3[c], a3);
        }
        a0.Store(y + (long)i0 * m);
        a1.Store(y + (long)(i0 + 1) * m);
        a2.Store(y + (long)(i0 + 2) * m);
        a3.Store(y + (long)(i0 + 3) * m);
    }

    /// <summary>
    /// A Q4_K/Q5_K sub-block's 8 unsigned vectors (l_t: elements 4t … 4t + 3, h_t: 16 + 4t …, per int32 lane r), Q5_K's
    /// fifth bit (bit t, and 4 + t, of the vector after the nibbles) moved to bit 4 of each byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>)
        Unpack<T>(byte* v, Vector512<byte> nibble) where T : struct, IFifthBit
    {
        var v0 = Vector512.Load(v);
        var v1 = Vector512.Load(v + CpuRepackedWeight.VectorBytes);
        var v2 = Vector512.Load(v + 2 * CpuRepackedWeight.VectorBytes);
        var v3 = Vector512.Load(v + 3 * CpuRepackedWeight.VectorBytes);
        Vector512<byte> l0 = v0 & nibble, l1 = v1 & nibble, l2 = v2 & nibble, l3 = v3 & nibble;
        Vector512<byte> h0 = High(v0, nibble), h1 = High(v1, nibble), h2 = High(v2, nibble), h3 = High(v3, nibble);
        if (T.Present)
        {
            // 16-bit shifts: a byte's bit 4 then comes from its own bit t (or 4 + t), never from the neighbouring byte.
            var f = Vector512.Load(v + CpuRepackedWeight.NibbleBlockBytes).AsUInt16();
            var bit4 = Vector512.Create((byte)0x10);
            l0 |= Vector512.ShiftLeft(f, 4).AsByte() & bit4;
            l1 |= Vector512.ShiftLeft(f, 3).AsByte() & bit4;
            l2 |= Vector512.ShiftLeft(f, 2).AsByte() & bit4;
            l3 |= Vector512.ShiftLeft(f, 1).AsByte() & bit4;
            h0 |= f.AsByte() & bit4;
            h1 |= Vector512.ShiftRightLogical(f, 1).AsByte() & bit4;
            h2 |= Vector512.ShiftRightLogical(f, 2).AsByte() & bit4;
            h3 |= Vector512.ShiftRightLogical(f, 3).AsByte() & bit4;
        }
        return (l0, l1, l2, l3, h0, h1, h2, h3);
    }

    /// <summary>Σ sc·u·x of one sub-block per W row (int32 lane r): Q4_K's pair sums add in int16 over all 32 elements, Q5_K's per 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> ScaledSum<T>(Vector512<byte> l0, Vector512<byte> l1, Vector512<byte> l2, Vector512<byte> l3,
        Vector512<byte> h0, Vector512<byte> h1, Vector512<byte> h2, Vector512<byte> h3, sbyte* x, Vector512<short> sc) where T : struct, IFifthBit
    {
        var (low, high) = PairSums(l0, l1, l2, l3, h0, h1, h2, h3, x);
        return T.Present ? Avx512BW.MultiplyAddAdjacent(low, sc) + Avx512BW.MultiplyAddAdjacent(high, sc) : Avx512BW.MultiplyAddAdjacent(low + high, sc);
    }

    /// <summary>A Q4_K super-block's mins as int16 (m_2p, m_2p+1) pairs per int32 lane (row), p = 0 … 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<short>, Vector512<short>, Vector512<short>, Vector512<short>) Mins(byte* p)
    {
        byte* m = p + CpuRepackedWeight.Q4_KMins;
        const int pair = 2 * CpuRepackedWeight.GroupRows;
        return (Avx512BW.ConvertToVector512Int16(Vector256.Load(m)), Avx512BW.ConvertToVector512Int16(Vector256.Load(m + pair)),
            Avx512BW.ConvertToVector512Int16(Vector256.Load(m + 2 * pair)), Avx512BW.ConvertToVector512Int16(Vector256.Load(m + 3 * pair)));
    }

    /// <summary>The 16 rows' 6-bit scales of one sub-block (bytes) as int16 pairs (sc, sc) per int32 lane, for pmaddwd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> SubBlockScales(byte* p)
    {
        var sc = Avx512F.ConvertToVector512Int32(Vector128.Load(p));
        return (sc | Vector512.ShiftLeft(sc, 16)).AsInt16();
    }

    /// <summary>Σ_j m_j·Σx_j per row: pmaddwd of (m_2p, m_2p+1) with the broadcast (Σx_2p, Σx_2p+1), p = 0 … 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> MinSum(Vector512<short> m0, Vector512<short> m1, Vector512<short> m2, Vector512<short> m3, short* sums)
    {
        int* s = (int*)sums;
        return Avx512BW.MultiplyAddAdjacent(m0, Vector512.Create(s[0]).AsInt16()) + Avx512BW.MultiplyAddAdjacent(m1, Vector512.Create(s[1]).AsInt16())
             + Avx512BW.MultiplyAddAdjacent(m2, Vector512.Create(s[2]).AsInt16()) + Avx512BW.MultiplyAddAdjacent(m3, Vector512.Create(s[3]).AsInt16());
    }

    /// <summary>
    /// 16 contiguous fp16 at <paramref name="p"/> to fp32, exactly: the lane-wise form of <see cref="CpuBlockUnpack.Half"/>
    /// (magnitude bits moved into place × 2^112; inf/NaN exponents kept all-ones). .NET 10 has no F16C intrinsic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halves(byte* p)
    {
        var h = Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)p));
        var magnitude = Vector512.ShiftLeft(h & Vector512.Create(0x7FFFu), 13);
        var finite = magnitude.AsSingle() * Vector512.Create(5.192296858534828e33f);
        var special = (magnitude | Vector512.Create(0x7F800000u)).AsSingle();
        var f = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x0F800000u)).AsSingle(), special, finite);
        return (f.AsUInt32() | Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16)).AsSingle();
    }
}
