using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// Register-blocked prefill product: two unpacked W rows × four activation rows per pass (8 fp32 accumulators). Why:
// with one W row per pass every 64 activation bytes are loaded, and their two block scales broadcast, once per W row;
// sharing them between two W rows halves that work, which was a third of the inner loop. Numerics identical to
// Dot4Wide (same int32 sums per 4 elements, same fp32 scale products, same summation order per W row).
internal static unsafe partial class CpuQuantMatMul
{
    /// <summary>
    /// <see cref="Dot4Wide"/> for two W rows (A: <paramref name="qa"/>/<paramref name="sa"/>/<paramref name="oa"/>,
    /// B: <paramref name="qb"/>/…) against activation rows i0 … i0 + 3; writes resultA[0..3] and resultB[0..3].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot2x4Wide(sbyte* qa, float* sa, float* oa, sbyte* qb, float* sb, float* ob, bool biased,
        CpuActivationQuant act, int i0, int k, float* resultA, float* resultB)
    {
        int blocks = k / CpuActivationQuant.BlockLength;
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        var groupLanes = GroupLanes;
        var halves = Vector512.Create(Vector256<int>.Zero, Vector256.Create(1));
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int b = 0;
        if (oa is not null || biased)
        {
            // Unsigned q (offset formats), or q + 32 (small signed formats; Finish takes 32·Σ s·xsum back off).
            var bias = Vector512.Create((byte)(oa is null ? Bias : 0));
            for (; b + 2 <= blocks; b += 2)
            {
                int e = 32 * b;
                var ua = Vector512.Load((byte*)qa + e) + bias;
                var ub = Vector512.Load((byte*)qb + e) + bias;
                var ga = Avx512F.PermuteVar16x32(Vector128.Load(sa + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
                var gb = Avx512F.PermuteVar16x32(Vector128.Load(sb + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
                var x = Vector512.Load(x0 + e);
                var t = TwoScales(d0 + b, halves);
                a0 = Vector512.FusedMultiplyAdd(UnsignedV(ua, x), ga * t, a0);
                b0 = Vector512.FusedMultiplyAdd(UnsignedV(ub, x), gb * t, b0);
                x = Vector512.Load(x1 + e);
                t = TwoScales(d1 + b, halves);
                a1 = Vector512.FusedMultiplyAdd(UnsignedV(ua, x), ga * t, a1);
                b1 = Vector512.FusedMultiplyAdd(UnsignedV(ub, x), gb * t, b1);
                x = Vector512.Load(x2 + e);
                t = TwoScales(d2 + b, halves);
                a2 = Vector512.FusedMultiplyAdd(UnsignedV(ua, x), ga * t, a2);
                b2 = Vector512.FusedMultiplyAdd(UnsignedV(ub, x), gb * t, b2);
                x = Vector512.Load(x3 + e);
                t = TwoScales(d3 + b, halves);
                a3 = Vector512.FusedMultiplyAdd(UnsignedV(ua, x), ga * t, a3);
                b3 = Vector512.FusedMultiplyAdd(UnsignedV(ub, x), gb * t, b3);
            }
        }
        else
        {
            for (; b + 2 <= blocks; b += 2)
            {
                int e = 32 * b;
                var wa = Vector512.Load(qa + e);
                var wb = Vector512.Load(qb + e);
                var ua = Avx512BW.Abs(wa);
                var ub = Avx512BW.Abs(wb);
                var na = Vector512.LessThan(wa, Vector512<sbyte>.Zero);
                var nb = Vector512.LessThan(wb, Vector512<sbyte>.Zero);
                var ga = Avx512F.PermuteVar16x32(Vector128.Load(sa + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
                var gb = Avx512F.PermuteVar16x32(Vector128.Load(sb + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
                var x = Vector512.Load(x0 + e);
                var t = TwoScales(d0 + b, halves);
                a0 = Vector512.FusedMultiplyAdd(SignedV(ua, na, x), ga * t, a0);
                b0 = Vector512.FusedMultiplyAdd(SignedV(ub, nb, x), gb * t, b0);
                x = Vector512.Load(x1 + e);
                t = TwoScales(d1 + b, halves);
                a1 = Vector512.FusedMultiplyAdd(SignedV(ua, na, x), ga * t, a1);
                b1 = Vector512.FusedMultiplyAdd(SignedV(ub, nb, x), gb * t, b1);
                x = Vector512.Load(x2 + e);
                t = TwoScales(d2 + b, halves);
                a2 = Vector512.FusedMultiplyAdd(SignedV(ua, na, x), ga * t, a2);
                b2 = Vector512.FusedMultiplyAdd(SignedV(ub, nb, x), gb * t, b2);
                x = Vector512.Load(x3 + e);
                t = TwoScales(d3 + b, halves);
                a3 = Vector512.FusedMultiplyAdd(SignedV(ua, na, x), ga * t, a3);
                b3 = Vector512.FusedMultiplyAdd(SignedV(ub, nb, x), gb * t, b3);
            }
        }
        Finish(qa, sa, oa, biased && oa is null, act, i0, k, b, Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), resultA);
        Finish(qb, sb, ob, biased && ob is null, act, i0, k, b, Vector512.Sum(b0), Vector512.Sum(b1), Vector512.Sum(b2), Vector512.Sum(b3), resultB);
    }

    /// <summary><see cref="Unsigned"/> with the activations already in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> UnsignedV(Vector512<byte> u, Vector512<sbyte> x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, x), Vector512.Create((short)1)));

    /// <summary><see cref="Signed"/> with the activations already in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SignedV(Vector512<byte> u, Vector512<sbyte> negative, Vector512<sbyte> x) =>
        UnsignedV(u, Vector512.ConditionalSelect(negative, Vector512<sbyte>.Zero - x, x));
}
