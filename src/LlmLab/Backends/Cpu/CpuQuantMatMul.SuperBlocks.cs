using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// Prefill for the super-block formats (K-quants, IQ4_XS), whose activations are Q8_K (one scale per 256): two unpacked
// W rows × four activation rows, with the group scales multiplied in integers as llama.cpp does — pmaddubsw's pair sums
// times each lane's int16 group scale (pmaddwd) accumulate in int32 over a super-block, and only then meet
// d_w · dx in fp32. Per 64 elements and (W row, x row) that is three integer operations where the per-block float
// path (Dot2x4Wide) spends a conversion, a scale product and an FMA besides. The minimums (offset formats) go into
// the same fp32 accumulators before the one horizontal sum per result (a separate pass with its own sums cost a sixth
// of the product). Sums: exact in int32 (|pair| ≤ 2·127·127, |scale| ≤ 128,
// 4 steps per super-block).
internal static unsafe partial class CpuQuantMatMul
{
    /// <summary>Type argument of <see cref="SuperBlockSums{TSign}"/>: W's int8 values are signed (|q| times x with q's sign).</summary>
    private struct SignedQ;

    /// <summary>Type argument of <see cref="SuperBlockSums{TSign}"/>: W's values are unsigned (offset formats, or q + 32).</summary>
    private struct UnsignedQ;

    private static void Dot2x4SuperBlocks(RowScratch wa, RowScratch wb, bool offsets, bool biased, CpuActivationQuant act, int i0, int k,
        float* resultA, float* resultB)
    {
        if (offsets) SuperBlockSums<UnsignedQ>(wa, wb, 0, wa.Offset, wb.Offset, act, i0, k, resultA, resultB);
        else if (!biased) SuperBlockSums<SignedQ>(wa, wb, 0, null, null, act, i0, k, resultA, resultB);
        else
        {
            // The −32 correction of the biased formats stays a separate sum subtracted at the end (Finish): folded into the
            // accumulators it changed Q3_K's rounding enough to flip near-ties against llama.cpp (top-1 97.7 % on Brown).
            SuperBlockSums<UnsignedQ>(wa, wb, Bias, null, null, act, i0, k, resultA, resultB);
            int blocks = k / CpuActivationQuant.BlockLength;
            Finish(wa.Q, wa.Scale, null, true, act, i0, k, blocks, resultA[0], resultA[1], resultA[2], resultA[3], resultA);
            Finish(wb.Q, wb.Scale, null, true, act, i0, k, blocks, resultB[0], resultB[1], resultB[2], resultB[3], resultB);
        }
    }

    /// <summary>
    /// resultA[r] = Σ_sb d_a[sb]·dx_r[sb]·(int32 Σ over the super-block of q_a·scale·xq_r) + Σ_g offsetA[g]·groupSum_r[g]
    /// for x rows i0 … i0 + 3 (r = 0–3), and resultB for W row B; the second sum (the minimums) is skipped when offsetA is null. The sign mode is a type argument so the JIT compiles one branch-free loop per
    /// mode, every pointer advances in a register, and the step is written out in place: the earlier form (a flag tested
    /// per step, accumulators passed by reference) ran at a quarter of this loop's speed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SuperBlockSums<TSign>(RowScratch wa, RowScratch wb, byte biasValue, float* offsetA, float* offsetB,
        CpuActivationQuant act, int i0, int k, float* resultA, float* resultB)
        where TSign : struct
    {
        bool signed = typeof(TSign) == typeof(SignedQ);
        byte* qa = (byte*)wa.Q, qb = (byte*)wb.Q;
        short* la = wa.Lanes, lb = wb.Lanes;
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        float* da = wa.SuperScale, db = wb.SuperScale;
        const int perSuper = 256 / CpuActivationQuant.BlockLength;
        var bias = Vector512.Create(biasValue);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int sb = 0, e = 0; sb < k / 256; sb++)
        {
            Vector512<int> ia0 = default, ia1 = default, ia2 = default, ia3 = default;
            Vector512<int> ib0 = default, ib1 = default, ib2 = default, ib3 = default;
            for (int end = e + 256; e < end; e += 64)
            {
                var sa = Vector512.Load(la + e / 2);
                var sbv = Vector512.Load(lb + e / 2);
                Vector512<byte> ua, ub;
                Vector512<sbyte> na = default, nb = default;
                if (signed)
                {
                    var wqa = Vector512.Load((sbyte*)qa + e);
                    var wqb = Vector512.Load((sbyte*)qb + e);
                    ua = Avx512BW.Abs(wqa);
                    ub = Avx512BW.Abs(wqb);
                    na = Vector512.LessThan(wqa, Vector512<sbyte>.Zero);
                    nb = Vector512.LessThan(wqb, Vector512<sbyte>.Zero);
                }
                else
                {
                    ua = Vector512.Load(qa + e) + bias;
                    ub = Vector512.Load(qb + e) + bias;
                }
                var x = Vector512.Load(x0 + e);
                ia0 += Scaled(ua, signed ? WithSign(na, x) : x, sa);
                ib0 += Scaled(ub, signed ? WithSign(nb, x) : x, sbv);
                x = Vector512.Load(x1 + e);
                ia1 += Scaled(ua, signed ? WithSign(na, x) : x, sa);
                ib1 += Scaled(ub, signed ? WithSign(nb, x) : x, sbv);
                x = Vector512.Load(x2 + e);
                ia2 += Scaled(ua, signed ? WithSign(na, x) : x, sa);
                ib2 += Scaled(ub, signed ? WithSign(nb, x) : x, sbv);
                x = Vector512.Load(x3 + e);
                ia3 += Scaled(ua, signed ? WithSign(na, x) : x, sa);
                ib3 += Scaled(ub, signed ? WithSign(nb, x) : x, sbv);
            }
            float s0 = d0[perSuper * sb], s1 = d1[perSuper * sb], s2 = d2[perSuper * sb], s3 = d3[perSuper * sb];
            float fa = da[sb], fb = db[sb];
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia0), Vector512.Create(fa * s0), a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia1), Vector512.Create(fa * s1), a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia2), Vector512.Create(fa * s2), a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ia3), Vector512.Create(fa * s3), a3);
            b0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib0), Vector512.Create(fb * s0), b0);
            b1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib1), Vector512.Create(fb * s1), b1);
            b2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib2), Vector512.Create(fb * s2), b2);
            b3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(ib3), Vector512.Create(fb * s3), b3);
        }
        if (offsetA is not null)
        {
            float* g0 = act.GroupSums(i0), g1 = act.GroupSums(i0 + 1), g2 = act.GroupSums(i0 + 2), g3 = act.GroupSums(i0 + 3);
            for (int g = 0; g < k / CpuBlockUnpack.GroupLength; g += 16)
            {
                var ta = Vector512.Load(offsetA + g);
                var tb = Vector512.Load(offsetB + g);
                var s = Vector512.Load(g0 + g);
                a0 = Vector512.FusedMultiplyAdd(ta, s, a0); b0 = Vector512.FusedMultiplyAdd(tb, s, b0);
                s = Vector512.Load(g1 + g);
                a1 = Vector512.FusedMultiplyAdd(ta, s, a1); b1 = Vector512.FusedMultiplyAdd(tb, s, b1);
                s = Vector512.Load(g2 + g);
                a2 = Vector512.FusedMultiplyAdd(ta, s, a2); b2 = Vector512.FusedMultiplyAdd(tb, s, b2);
                s = Vector512.Load(g3 + g);
                a3 = Vector512.FusedMultiplyAdd(ta, s, a3); b3 = Vector512.FusedMultiplyAdd(tb, s, b3);
            }
        }
        resultA[0] = Vector512.Sum(a0); resultA[1] = Vector512.Sum(a1); resultA[2] = Vector512.Sum(a2); resultA[3] = Vector512.Sum(a3);
        resultB[0] = Vector512.Sum(b0); resultB[1] = Vector512.Sum(b1); resultB[2] = Vector512.Sum(b2); resultB[3] = Vector512.Sum(b3);
    }

    /// <summary>16 int32 lanes of Σ u·x·scale over 4 elements each: pmaddubsw's exact pair sums times each lane's int16 group scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Scaled(Vector512<byte> u, Vector512<sbyte> x, Vector512<short> scale) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, x), scale);

    /// <summary>x negated where W's value is negative (q·x = |q|·(x with q's sign); where q = 0 the sign is irrelevant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> WithSign(Vector512<sbyte> negative, Vector512<sbyte> x) =>
        Vector512.ConditionalSelect(negative, Vector512<sbyte>.Zero - x, x);
}
