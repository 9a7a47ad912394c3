using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// AVX-512BW form of the prefill inner product (one unpacked W row × four activation rows). Why: the AVX2 loop spends
// seven operations per row on every 32 elements; here two blocks share each 512-bit multiply, the sign of W (AVX-512 has
// no byte sign-transfer) is a mask computed once per pair and applied to each row's activations with one masked
// negate, and the minimum terms of the four rows are one vector pass over the group offsets instead of four calls.
// Numerics unchanged: exact int32 sums per 4 elements, then fp32 group scale × activation scale.
internal static unsafe partial class CpuQuantMatMul
{
    /// <summary>Added to q of the formats whose unpacked q lie in [−32, 31] (Q4_0, Q5_0, Q3_K, Q6_K): u ∈ [0, 63], so 2·63·127 fits int16.</summary>
    private const int Bias = 32;

    /// <summary>The formats whose unpacked q lie in [−32, 31].</summary>
    private static bool SmallSigned(LlmLab.Tensors.TensorFormat f) =>
        f is LlmLab.Tensors.TensorFormat.Q4_0 or LlmLab.Tensors.TensorFormat.Q5_0 or LlmLab.Tensors.TensorFormat.Q3_K or LlmLab.Tensors.TensorFormat.Q6_K;

    /// <summary>Lanes 0–3 ← s[0], 4–7 ← s[1], 8–11 ← s[2], 12–15 ← s[3]: the group scale of each 4-element lane of two blocks.</summary>
    private static readonly Vector512<int> GroupLanes = Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);

    /// <summary>
    /// result[r] = Σ_b dx_r[b]·(s[2b]·I_2b + s[2b+1]·I_2b+1) (+ Σ_g o[g]·xsum_r[g] when <paramref name="offset"/> is set)
    /// for activation rows i0 … i0 + 3: <see cref="Dot4"/> plus the offset term, two blocks per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4Wide(sbyte* q, float* scale, float* offset, bool biased, CpuActivationQuant act, int i0, int k, float* result)
    {
        int blocks = k / CpuActivationQuant.BlockLength;
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        var groupLanes = GroupLanes;
        var halves = Vector512.Create(Vector256<int>.Zero, Vector256.Create(1));
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int b = 0;
        // Formats with offsets unpack q unsigned (CpuBlockUnpack): q is already pmaddubsw's unsigned operand, no sign work.
        if (offset is not null)
            for (; b + 2 <= blocks; b += 2)
            {
                int e = 32 * b;
                var u = Vector512.Load((byte*)q + e);
                var gs = Avx512F.PermuteVar16x32(Vector128.Load(scale + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
                a0 = Vector512.FusedMultiplyAdd(Unsigned(u, x0 + e), gs * TwoScales(d0 + b, halves), a0);
                a1 = Vector512.FusedMultiplyAdd(Unsigned(u, x1 + e), gs * TwoScales(d1 + b, halves), a1);
                a2 = Vector512.FusedMultiplyAdd(Unsigned(u, x2 + e), gs * TwoScales(d2 + b, halves), a2);
                a3 = Vector512.FusedMultiplyAdd(Unsigned(u, x3 + e), gs * TwoScales(d3 + b, halves), a3);
            }
        // Formats with |q| ≤ 32 multiply u = q + 32 (unsigned) and take 32·Σ_g s_g·xsum_g back off below.
        if (offset is null && biased)
        {
            var bias = Vector512.Create((byte)Bias);
            for (; b + 2 <= blocks; b += 2)
            {
                int e = 32 * b;
                var u = Vector512.Load((byte*)q + e) + bias;
                var gs = Avx512F.PermuteVar16x32(Vector128.Load(scale + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
                a0 = Vector512.FusedMultiplyAdd(Unsigned(u, x0 + e), gs * TwoScales(d0 + b, halves), a0);
                a1 = Vector512.FusedMultiplyAdd(Unsigned(u, x1 + e), gs * TwoScales(d1 + b, halves), a1);
                a2 = Vector512.FusedMultiplyAdd(Unsigned(u, x2 + e), gs * TwoScales(d2 + b, halves), a2);
                a3 = Vector512.FusedMultiplyAdd(Unsigned(u, x3 + e), gs * TwoScales(d3 + b, halves), a3);
            }
        }
        for (; b + 2 <= blocks; b += 2)
        {
            int e = 32 * b;
            var w = Vector512.Load(q + e);
            var u = Avx512BW.Abs(w);
            var negative = Vector512.LessThan(w, Vector512<sbyte>.Zero);
            var gs = Avx512F.PermuteVar16x32(Vector128.Load(scale + 2 * b).ToVector256Unsafe().ToVector512Unsafe(), groupLanes);
            a0 = Vector512.FusedMultiplyAdd(Signed(u, negative, x0 + e), gs * TwoScales(d0 + b, halves), a0);
            a1 = Vector512.FusedMultiplyAdd(Signed(u, negative, x1 + e), gs * TwoScales(d1 + b, halves), a1);
            a2 = Vector512.FusedMultiplyAdd(Signed(u, negative, x2 + e), gs * TwoScales(d2 + b, halves), a2);
            a3 = Vector512.FusedMultiplyAdd(Signed(u, negative, x3 + e), gs * TwoScales(d3 + b, halves), a3);
        }
        Finish(q, scale, offset, biased, act, i0, k, b, Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), result);
    }

    /// <summary>
    /// The rest of <see cref="Dot4Wide"/> once blocks [0, <paramref name="b"/>) are summed into r0–r3: the odd last
    /// block, the bias correction and the offset terms; writes result[0..3].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Finish(sbyte* q, float* scale, float* offset, bool biased, CpuActivationQuant act, int i0, int k, int b,
        float r0, float r1, float r2, float r3, float* result)
    {
        int blocks = k / CpuActivationQuant.BlockLength;
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        if (b < blocks)
        {
            // The odd last block: its two groups, row by row.
            r0 += Dot(q + 32 * b, scale + 2 * b, x0 + 32 * b, d0 + b, 32);
            r1 += Dot(q + 32 * b, scale + 2 * b, x1 + 32 * b, d1 + b, 32);
            r2 += Dot(q + 32 * b, scale + 2 * b, x2 + 32 * b, d2 + b, 32);
            r3 += Dot(q + 32 * b, scale + 2 * b, x3 + 32 * b, d3 + b, 32);
        }
        if (offset is null && biased)
        {
            // Only the paired blocks were biased: the odd last block went through Dot unbiased.
            int groups = 2 * (blocks & ~1), g = 0;
            float* s0 = act.GroupSums(i0), s1 = act.GroupSums(i0 + 1), s2 = act.GroupSums(i0 + 2), s3 = act.GroupSums(i0 + 3);
            Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
            for (; g + 16 <= groups; g += 16)
            {
                var o = Vector512.Load(scale + g);
                o0 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s0 + g), o0);
                o1 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s1 + g), o1);
                o2 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s2 + g), o2);
                o3 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s3 + g), o3);
            }
            float t0 = Vector512.Sum(o0), t1 = Vector512.Sum(o1), t2 = Vector512.Sum(o2), t3 = Vector512.Sum(o3);
            for (; g < groups; g++)
            {
                t0 += scale[g] * s0[g]; t1 += scale[g] * s1[g]; t2 += scale[g] * s2[g]; t3 += scale[g] * s3[g];
            }
            r0 -= Bias * t0; r1 -= Bias * t1; r2 -= Bias * t2; r3 -= Bias * t3;
        }
        if (offset is not null)
        {
            int groups = k / CpuBlockUnpack.GroupLength, g = 0;
            float* s0 = act.GroupSums(i0), s1 = act.GroupSums(i0 + 1), s2 = act.GroupSums(i0 + 2), s3 = act.GroupSums(i0 + 3);
            Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
            for (; g + 16 <= groups; g += 16)
            {
                var o = Vector512.Load(offset + g);
                o0 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s0 + g), o0);
                o1 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s1 + g), o1);
                o2 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s2 + g), o2);
                o3 = Vector512.FusedMultiplyAdd(o, Vector512.Load(s3 + g), o3);
            }
            r0 += Vector512.Sum(o0); r1 += Vector512.Sum(o1); r2 += Vector512.Sum(o2); r3 += Vector512.Sum(o3);
            for (; g < groups; g++)
            {
                r0 += offset[g] * s0[g]; r1 += offset[g] * s1[g]; r2 += offset[g] * s2[g]; r3 += offset[g] * s3[g];
            }
        }
        result[0] = r0; result[1] = r1; result[2] = r2; result[3] = r3;
    }

    /// <summary>Lanes 0–7 ← d[0], lanes 8–15 ← d[1]: the activation scales of two consecutive blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TwoScales(float* d, Vector512<int> halves) =>
        Avx512F.PermuteVar16x32(Sse2.LoadScalarVector128((double*)d).AsSingle().ToVector256Unsafe().ToVector512Unsafe(), halves);

    /// <summary>Σ u·x per 4 elements as fp32 lanes, u unsigned (0…63 here, so pmaddubsw's pairs stay exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Unsigned(Vector512<byte> u, sbyte* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, Vector512.Load(x)), Vector512.Create((short)1)));

    /// <summary>Σ q·x per 4 elements as fp32 lanes, from |q| and q's sign mask: x negated where q &lt; 0 (|q| = 0 makes q = 0 lanes irrelevant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Signed(Vector512<byte> u, Vector512<sbyte> negative, sbyte* x)
    {
        var v = Vector512.Load(x);
        var signed = Vector512.ConditionalSelect(negative, Vector512<sbyte>.Zero - v, v);
        return Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, signed), Vector512.Create((short)1)));
    }
}
