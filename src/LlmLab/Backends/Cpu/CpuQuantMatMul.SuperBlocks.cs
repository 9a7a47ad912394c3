using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// Prefill for the super-block formats (K-quants, IQ4_XS), whose activations are Q8_K (one scale per 256): two unpacked
// W rows × four activation rows, with the group scales multiplied in integers as llama.cpp does — pmaddubsw's pair sums
// times each lane's int16 group scale (pmaddwd) accumulate in int32 over a super-block, and only then meet
// d_w · dx in fp32. Per 64 elements and (W row, x row) that is three integer operations where the per-block float
// path (Dot2x4Wide) spends a conversion, a scale product and an FMA besides. Offsets, the +32 bias and the
// minimums are Finish's, unchanged. Sums: exact in int32 (|pair| ≤ 2·127·127, |scale| ≤ 128, 4 steps per super-block).
internal static unsafe partial class CpuQuantMatMul
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot2x4SuperBlocks(RowScratch wa, RowScratch wb, bool offsets, bool biased, CpuActivationQuant act, int i0, int k,
        float* resultA, float* resultB)
    {
        sbyte* qa = wa.Q, qb = wb.Q;
        short* la = wa.Lanes, lb = wb.Lanes;
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        const int perSuper = 256 / CpuActivationQuant.BlockLength;
        bool unsigned = offsets || biased;
        var bias = Vector512.Create((byte)(offsets ? 0 : Bias));
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int sb = 0; sb < k / 256; sb++)
        {
            Vector512<int> ia0 = default, ia1 = default, ia2 = default, ia3 = default;
            Vector512<int> ib0 = default, ib1 = default, ib2 = default, ib3 = default;
            for (int e = 256 * sb; e < 256 * (sb + 1); e += 64)
            {
                var sa = Vector512.Load(la + e / 2);
                var sbv = Vector512.Load(lb + e / 2);
                Vector512<byte> ua, ub;
                Vector512<sbyte> na = default, nb = default;
                if (unsigned)
                {
                    ua = Vector512.Load((byte*)qa + e) + bias;
                    ub = Vector512.Load((byte*)qb + e) + bias;
                }
                else
                {
                    var wqa = Vector512.Load(qa + e);
                    var wqb = Vector512.Load(qb + e);
                    ua = Avx512BW.Abs(wqa);
                    ub = Avx512BW.Abs(wqb);
                    na = Vector512.LessThan(wqa, Vector512<sbyte>.Zero);
                    nb = Vector512.LessThan(wqb, Vector512<sbyte>.Zero);
                }
                Step(ua, ub, na, nb, unsigned, sa, sbv, Vector512.Load(x0 + e), ref ia0, ref ib0);
                Step(ua, ub, na, nb, unsigned, sa, sbv, Vector512.Load(x1 + e), ref ia1, ref ib1);
                Step(ua, ub, na, nb, unsigned, sa, sbv, Vector512.Load(x2 + e), ref ia2, ref ib2);
                Step(ua, ub, na, nb, unsigned, sa, sbv, Vector512.Load(x3 + e), ref ia3, ref ib3);
            }
            float da = wa.SuperScale[sb], db = wb.SuperScale[sb];
            float s0 = d0[perSuper * sb], s1 = d1[perSuper * sb], s2 = d2[perSuper * sb], s3 = d3[perSuper * sb];
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia0), Vector512.Create(da * s0), a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia1), Vector512.Create(da * s1), a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia2), Vector512.Create(da * s2), a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia3), Vector512.Create(da * s3), a3);
            b0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib0), Vector512.Create(db * s0), b0);
            b1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib1), Vector512.Create(db * s1), b1);
            b2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib2), Vector512.Create(db * s2), b2);
            b3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib3), Vector512.Create(db * s3), b3);
        }
        int blocks = k / CpuActivationQuant.BlockLength;
        Finish(qa, wa.Scale, offsets ? wa.Offset : null, biased && !offsets, act, i0, k, blocks, Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), resultA);
        Finish(qb, wb.Scale, offsets ? wb.Offset : null, biased && !offsets, act, i0, k, blocks, Vector512.Sum(b0), Vector512.Sum(b1), Vector512.Sum(b2), Vector512.Sum(b3), resultB);
    }

    /// <summary>One activation row's 64 elements against both W rows: int32 lanes += Σ u·x·scale per 4 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector512<byte> ua, Vector512<byte> ub, Vector512<sbyte> na, Vector512<sbyte> nb, bool unsigned,
        Vector512<short> sa, Vector512<short> sb, Vector512<sbyte> x, ref Vector512<int> ia, ref Vector512<int> ib)
    {
        var xa = unsigned ? x : Vector512.ConditionalSelect(na, Vector512<sbyte>.Zero - x, x);
        var xb = unsigned ? x : Vector512.ConditionalSelect(nb, Vector512<sbyte>.Zero - x, x);
        ia += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ua, xa), sa);
        ib += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ub, xb), sb);
    }
}
