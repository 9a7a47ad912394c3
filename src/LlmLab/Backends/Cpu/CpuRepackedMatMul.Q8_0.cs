using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

// Q8_0 over the repacked layout (CpuRepackedWeight). W is signed, and pmaddubsw needs one unsigned operand, so each
// step multiplies |w| (computed once per W vector, shared by the pass's activation rows) by the broadcast activations
// with w's sign (one masked negate per activation row; AVX-512 has no byte sign-transfer). |w| ≤ 128 and |x| ≤ 127
// make a pair sum reach 32512, so no two add in int16: every step widens to int32 with pmaddwd. Then, as ggml's
// vec_dot_q8_0_q8_0: the exact int32 block sum × d_w·d_x in fp32.
internal static unsafe partial class CpuRepackedMatMul
{
    /// <summary>Q8_0, activation rows i0 … i0 + 3 against one group: writes 16 outputs per row at y + i·m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q8_0Tile(byte* w, int k, CpuActivationQuant act, int i0, float* y, int m)
    {
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < k / 32; b++)
        {
            byte* p = w + b * CpuRepackedWeight.Q8_0BlockBytes;
            Vector512<int> s0 = default, s1 = default, s2 = default, s3 = default;
            int e = 32 * b;
            for (int t = 0; t < 8; t++)
            {
                var q = Vector512.Load((sbyte*)p + CpuRepackedWeight.ScalesBytes + CpuRepackedWeight.VectorBytes * t);
                var u = Avx512BW.Abs(q);
                var negative = Vector512.LessThan(q, Vector512<sbyte>.Zero);
                int f = e + 4 * t;
                s0 += SignedStep(u, negative, *(int*)(x0 + f));
                s1 += SignedStep(u, negative, *(int*)(x1 + f));
                s2 += SignedStep(u, negative, *(int*)(x2 + f));
                s3 += SignedStep(u, negative, *(int*)(x3 + f));
            }
            var d = Halves(p);
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(s0), d * d0[b], a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(s1), d * d1[b], a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(s2), d * d2[b], a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(s3), d * d3[b], a3);
        }
        a0.Store(y + (long)i0 * m);
        a1.Store(y + (long)(i0 + 1) * m);
        a2.Store(y + (long)(i0 + 2) * m);
        a3.Store(y + (long)(i0 + 3) * m);
    }

    /// <summary>Σ w·x over 4 elements of 16 rows (the 64 bytes at <paramref name="q"/>) with the 4 activations in <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Step(sbyte* q, int x)
    {
        var w = Vector512.Load(q);
        return SignedStep(Avx512BW.Abs(w), Vector512.LessThan(w, Vector512<sbyte>.Zero), x);
    }

    /// <summary>Σ |w|·(x with w's sign) per int32 lane, from |w| and w's sign mask; where w = 0, |w| = 0 hides the sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> SignedStep(Vector512<byte> u, Vector512<sbyte> negative, int x)
    {
        var v = Vector512.Create(x).AsSByte();
        var signed = Vector512.ConditionalSelect(negative, Vector512<sbyte>.Zero - v, v);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, signed), Vector512.Create((short)1));
    }
}
