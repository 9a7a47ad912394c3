using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// Q6_K over the repacked layout (CpuRepackedWeight). u = q + 32 is 6 bits, so a pmaddubsw pair sum reaches
// 2·63·127 = 16002 and only two of them add in int16; each 16-element group (4 steps of 4 elements) therefore takes
// two pmaddwd with its int8 scale. The −32 comes off in int32 per super-block: 32·Σ_g sc_g·Σx_g, from the integer group
// sums of the activations (ggml's Q8_K bsums). Then, as ggml's vec_dot_q6_K_q8_K: d_w·d_x·isum in fp32.
internal static unsafe partial class CpuRepackedMatMul
{
    /// <summary>Q6_K's u = q + 32 = q + 2^5: the offset term is shifted left by 5.</summary>
    private const int Q6_KOffsetBits = 5;

    /// <summary>vpermw indices: lane r's two int16 ← lane r (group A's scale, twice).</summary>
    private static readonly Vector512<short> FirstGroup = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);

    /// <summary>vpermw indices: lane r's two int16 ← lane 16 + r (group B's scale, twice).</summary>
    private static readonly Vector512<short> SecondGroup = FirstGroup + Vector512.Create((short)16);

    /// <summary>vpermw indices: lane r ← (group A's scale, group B's scale) of row r, for the offset's pmaddwd.</summary>
    private static readonly Vector512<short> BothGroups = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>Q6_K, activation rows i0 … i0 + 3 against one group: writes 16 outputs per row at y + i·m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q6_KTile(byte* w, int k, CpuActivationQuant act, int i0, float* y, int m)
    {
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        short* s0 = act.IntGroupSums(i0), s1 = act.IntGroupSums(i0 + 1), s2 = act.IntGroupSums(i0 + 2), s3 = act.IntGroupSums(i0 + 3);
        var nibble = Vector512.Create((byte)0x0F);
        var top = Vector512.Create((byte)0x30);
        var first = FirstGroup;
        var second = SecondGroup;
        var both = BothGroups;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int sb = 0; sb < k / 256; sb++)
        {
            byte* p = w + sb * CpuRepackedWeight.Q6_KSuperBlockBytes;
            Vector512<int> i0s = default, i1s = default, i2s = default, i3s = default;
            for (int j = 0; j < 8; j++)
            {
                byte* v = p + CpuRepackedWeight.Q6_KBlocks + CpuRepackedWeight.Q6_KBlockBytes * j;
                var v0 = Vector512.Load(v);
                var v1 = Vector512.Load(v + CpuRepackedWeight.VectorBytes);
                var v2 = Vector512.Load(v + 2 * CpuRepackedWeight.VectorBytes);
                var v3 = Vector512.Load(v + 3 * CpuRepackedWeight.VectorBytes);
                var ta = Vector512.Load(v + CpuRepackedWeight.Q6_KTopBits).AsUInt16();
                var tb = Vector512.Load(v + CpuRepackedWeight.Q6_KTopBits + CpuRepackedWeight.VectorBytes).AsUInt16();
                var l0 = (v0 & nibble) | (Vector512.ShiftLeft(ta, 4).AsByte() & top);
                var l1 = (v1 & nibble) | (Vector512.ShiftLeft(ta, 2).AsByte() & top);
                var l2 = (v2 & nibble) | (ta.AsByte() & top);
                var l3 = (v3 & nibble) | (Vector512.ShiftRightLogical(ta, 2).AsByte() & top);
                var h0 = High(v0, nibble) | (Vector512.ShiftLeft(tb, 4).AsByte() & top);
                var h1 = High(v1, nibble) | (Vector512.ShiftLeft(tb, 2).AsByte() & top);
                var h2 = High(v2, nibble) | (tb.AsByte() & top);
                var h3 = High(v3, nibble) | (Vector512.ShiftRightLogical(tb, 2).AsByte() & top);
                var sc = Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)p + CpuRepackedWeight.Q6_KScales + 2 * CpuRepackedWeight.GroupRows * j));
                var sa = Avx512BW.PermuteVar32x16(sc, first);
                var sbv = Avx512BW.PermuteVar32x16(sc, second);
                var pair = Avx512BW.PermuteVar32x16(sc, both);
                int e = 256 * sb + 32 * j, g = 16 * sb + 2 * j;
                i0s += Q6_KBlock(l0, l1, l2, l3, h0, h1, h2, h3, sa, sbv, pair, x0 + e, s0 + g);
                i1s += Q6_KBlock(l0, l1, l2, l3, h0, h1, h2, h3, sa, sbv, pair, x1 + e, s1 + g);
                i2s += Q6_KBlock(l0, l1, l2, l3, h0, h1, h2, h3, sa, sbv, pair, x2 + e, s2 + g);
                i3s += Q6_KBlock(l0, l1, l2, l3, h0, h1, h2, h3, sa, sbv, pair, x3 + e, s3 + g);
            }
            var d = Halves(p);
            int c = 8 * sb;
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i0s), d * d0[c], a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i1s), d * d1[c], a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i2s), d * d2[c], a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(i3s), d * d3[c], a3);
        }
        a0.Store(y + (long)i0 * m);
        a1.Store(y + (long)(i0 + 1) * m);
        a2.Store(y + (long)(i0 + 2) * m);
        a3.Store(y + (long)(i0 + 3) * m);
    }

    /// <summary>
    /// Σ_e sc·(u − 32)·x per W row over one 32-element block (groups A = elements 0–15 in l_t, B = 16–31 in h_t) in
    /// int32: the pair sums of two steps in int16, one pmaddwd per two steps with the group's scale, minus
    /// 32·(sc_A·Σx_A + sc_B·Σx_B) from the activation's integer group sums at <paramref name="sums"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Q6_KBlock(Vector512<byte> l0, Vector512<byte> l1, Vector512<byte> l2, Vector512<byte> l3,
        Vector512<byte> h0, Vector512<byte> h1, Vector512<byte> h2, Vector512<byte> h3,
        Vector512<short> scaleA, Vector512<short> scaleB, Vector512<short> pair, sbyte* x, short* sums)
    {
        int* xi = (int*)x;
        var a = Avx512BW.MultiplyAddAdjacent(l0, Vector512.Create(xi[0]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(l1, Vector512.Create(xi[1]).AsSByte());
        var b = Avx512BW.MultiplyAddAdjacent(l2, Vector512.Create(xi[2]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(l3, Vector512.Create(xi[3]).AsSByte());
        var c = Avx512BW.MultiplyAddAdjacent(h0, Vector512.Create(xi[4]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(h1, Vector512.Create(xi[5]).AsSByte());
        var d = Avx512BW.MultiplyAddAdjacent(h2, Vector512.Create(xi[6]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(h3, Vector512.Create(xi[7]).AsSByte());
        var main = (Avx512BW.MultiplyAddAdjacent(a, scaleA) + Avx512BW.MultiplyAddAdjacent(b, scaleA))
                 + (Avx512BW.MultiplyAddAdjacent(c, scaleB) + Avx512BW.MultiplyAddAdjacent(d, scaleB));
        var offset = Avx512BW.MultiplyAddAdjacent(pair, Vector512.Create(*(int*)sums).AsInt16());
        return main - Vector512.ShiftLeft(offset, Q6_KOffsetBits);
    }
}
