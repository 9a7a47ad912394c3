using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// One activation row against repacked groups (decode, and prefill rows past a multiple of <see cref="TileRows"/>),
/// written once over the formats: each format (<see cref="IRowStep"/>) adds one block or super-block of a group to a
/// 16-output fp32 accumulator, and the drivers run one group (<see cref="Row{T}"/>) or a task's groups as
/// <see cref="DecodeStreams"/> sequential streams side by side (<see cref="Rows{T}"/>): more cache lines in flight per
/// core than one stream, as the BF16 decode product (<c>CpuMatMul.DotPaired</c>). Each group's arithmetic is the same
/// whichever driver runs it, so the results are too.
/// </summary>
internal static unsafe partial class CpuRepackedMatMul
{
    /// <summary>Groups read side by side by <see cref="Rows{T}"/>.</summary>
    private const int DecodeStreams = 4;

    /// <summary>A format's step: one block (Q4_0, Q8_0: 32 elements) or super-block (Q4_K, Q6_K: 256) of 16 W rows.</summary>
    private interface IRowStep
    {
        /// <summary>Elements per step.</summary>
        static abstract int Elements { get; }

        /// <summary>The activation row's integer sums the step reads (per 32 or per 16), or null.</summary>
        static abstract short* Sums(CpuActivationQuant act, int i);

        /// <summary>acc + the 16 rows' products of step <paramref name="s"/> of the group at <paramref name="w"/>.</summary>
        static abstract Vector512<float> Add(byte* w, int s, sbyte* x, float* dx, short* sums, Vector512<float> acc);
    }

    /// <summary>One activation row <paramref name="i"/> against the group at <paramref name="w"/>: 16 outputs at y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row<T>(byte* w, int k, CpuActivationQuant act, int i, float* y) where T : struct, IRowStep
    {
        sbyte* x = act.Q(i);
        float* dx = act.Scales(i);
        short* sums = T.Sums(act, i);
        var acc = Vector512<float>.Zero;
        for (int s = 0; s < k / T.Elements; s++) acc = T.Add(w, s, x, dx, sums, acc);
        acc.Store(y);
    }

    /// <summary>
    /// One activation row against <paramref name="groups"/> consecutive groups from <paramref name="w"/> (16 outputs each
    /// at y): stream j runs through the j-th quarter of them, the four in step, and the groups past the last whole
    /// quarter go one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<T>(byte* w, long groupBytes, int groups, int k, CpuActivationQuant act, int i, float* y) where T : struct, IRowStep
    {
        sbyte* x = act.Q(i);
        float* dx = act.Scales(i);
        short* sums = T.Sums(act, i);
        int quarter = groups / DecodeStreams, steps = k / T.Elements;
        long stride = quarter * groupBytes;
        const int outputs = CpuRepackedWeight.GroupRows;
        for (int g = 0; g < quarter; g++)
        {
            byte* w0 = w + g * groupBytes;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int s = 0; s < steps; s++)
            {
                a0 = T.Add(w0, s, x, dx, sums, a0);
                a1 = T.Add(w0 + stride, s, x, dx, sums, a1);
                a2 = T.Add(w0 + 2 * stride, s, x, dx, sums, a2);
                a3 = T.Add(w0 + 3 * stride, s, x, dx, sums, a3);
            }
            a0.Store(y + g * outputs);
            a1.Store(y + (g + quarter) * outputs);
            a2.Store(y + (g + 2 * quarter) * outputs);
            a3.Store(y + (g + 3 * quarter) * outputs);
        }
        for (int g = DecodeStreams * quarter; g < groups; g++) Row<T>(w + g * groupBytes, k, act, i, y + g * outputs);
    }

    /// <summary>Q4_0: per block Σ(u − 8)·x exactly in int32, then one FMA with fl(d_w·d_x), as llama.cpp's repacked GEMV.</summary>
    private struct Q4_0Step : IRowStep
    {
        public static int Elements => 32;

        public static short* Sums(CpuActivationQuant act, int i) => act.BlockSums(i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(byte* w, int s, sbyte* x, float* dx, short* sums, Vector512<float> acc)
        {
            byte* p = w + s * CpuRepackedWeight.Q4_0BlockBytes;
            return Vector512.FusedMultiplyAdd(Q4_0Sum(p, Vector512.Create((byte)0x0F), x + 32 * s, sums[s]), Halves(p) * dx[s], acc);
        }
    }

    /// <summary>Q8_0: per block Σw·x in two int32 chains of four steps each (so the adds do not serialize the block), then one FMA.</summary>
    private struct Q8_0Step : IRowStep
    {
        public static int Elements => 32;

        public static short* Sums(CpuActivationQuant act, int i) => null;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(byte* w, int s, sbyte* x, float* dx, short* sums, Vector512<float> acc)
        {
            byte* p = w + s * CpuRepackedWeight.Q8_0BlockBytes;
            sbyte* q = (sbyte*)p + CpuRepackedWeight.ScalesBytes;
            int* xi = (int*)(x + 32 * s);
            const int v = CpuRepackedWeight.VectorBytes;
            var even = Step(q, xi[0]) + Step(q + 2 * v, xi[2]) + (Step(q + 4 * v, xi[4]) + Step(q + 6 * v, xi[6]));
            var odd = Step(q + v, xi[1]) + Step(q + 3 * v, xi[3]) + (Step(q + 5 * v, xi[5]) + Step(q + 7 * v, xi[7]));
            return Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(even + odd), Halves(p) * dx[s], acc);
        }
    }

    /// <summary>
    /// Q4_K (<see cref="FourBits"/>) and Q5_K (<see cref="FiveBits"/>): per super-block Σ_j sc_j·Σu·x (two int32 chains over
    /// the sub-blocks) and Σ_j m_j·Σx, then the minimum's FMA first and the scaled sum's second (the order the class
    /// summary explains).
    /// </summary>
    private struct KStep<T> : IRowStep where T : struct, IFifthBit
    {
        public static int Elements => 256;

        public static short* Sums(CpuActivationQuant act, int i) => act.BlockSums(i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(byte* w, int s, sbyte* x, float* dx, short* sums, Vector512<float> acc)
        {
            var nibble = Vector512.Create((byte)0x0F);
            int blockBytes = T.Present ? CpuRepackedWeight.Q5_KBlockBytes : CpuRepackedWeight.NibbleBlockBytes;
            byte* p = w + s * (T.Present ? CpuRepackedWeight.Q5_KSuperBlockBytes : CpuRepackedWeight.Q4_KSuperBlockBytes);
            Vector512<int> even = default, odd = default;
            for (int j = 0; j < 8; j += 2)
            {
                byte* v = p + CpuRepackedWeight.Q4_KQuants + blockBytes * j;
                byte* sc = p + CpuRepackedWeight.Q4_KScales + CpuRepackedWeight.GroupRows * j;
                var (l0, l1, l2, l3, h0, h1, h2, h3) = Unpack<T>(v, nibble);
                even += ScaledSum<T>(l0, l1, l2, l3, h0, h1, h2, h3, x + 256 * s + 32 * j, SubBlockScales(sc));
                (l0, l1, l2, l3, h0, h1, h2, h3) = Unpack<T>(v + blockBytes, nibble);
                odd += ScaledSum<T>(l0, l1, l2, l3, h0, h1, h2, h3, x + 256 * s + 32 * j + 32, SubBlockScales(sc + CpuRepackedWeight.GroupRows));
            }
            var (m0, m1, m2, m3) = Mins(p);
            float d = dx[8 * s];
            acc = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(MinSum(m0, m1, m2, m3, sums + 8 * s)), Halves(p + CpuRepackedWeight.Q4_KDmin) * -d, acc);
            return Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(even + odd), Halves(p) * d, acc);
        }
    }

    /// <summary>Q6_K: per super-block Σ_e sc·(u − 32)·x exactly in int32 (<see cref="Q6_KBlock"/> per 32 elements), then one FMA.</summary>
    private struct Q6_KStep : IRowStep
    {
        public static int Elements => 256;

        public static short* Sums(CpuActivationQuant act, int i) => act.IntGroupSums(i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(byte* w, int s, sbyte* x, float* dx, short* sums, Vector512<float> acc)
        {
            var nibble = Vector512.Create((byte)0x0F);
            var top = Vector512.Create((byte)0x30);
            byte* p = w + s * CpuRepackedWeight.Q6_KSuperBlockBytes;
            Vector512<int> isum = default;
            for (int j = 0; j < 8; j++)
            {
                byte* v = p + CpuRepackedWeight.Q6_KBlocks + CpuRepackedWeight.Q6_KBlockBytes * j;
                var v0 = Vector512.Load(v);
                var v1 = Vector512.Load(v + CpuRepackedWeight.VectorBytes);
                var v2 = Vector512.Load(v + 2 * CpuRepackedWeight.VectorBytes);
                var v3 = Vector512.Load(v + 3 * CpuRepackedWeight.VectorBytes);
                var ta = Vector512.Load(v + CpuRepackedWeight.Q6_KTopBits).AsUInt16();
                var tb = Vector512.Load(v + CpuRepackedWeight.Q6_KTopBits + CpuRepackedWeight.VectorBytes).AsUInt16();
                var sc = Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)p + CpuRepackedWeight.Q6_KScales + 2 * CpuRepackedWeight.GroupRows * j));
                isum += Q6_KBlock(
                    (v0 & nibble) | (Vector512.ShiftLeft(ta, 4).AsByte() & top),
                    (v1 & nibble) | (Vector512.ShiftLeft(ta, 2).AsByte() & top),
                    (v2 & nibble) | (ta.AsByte() & top),
                    (v3 & nibble) | (Vector512.ShiftRightLogical(ta, 2).AsByte() & top),
                    High(v0, nibble) | (Vector512.ShiftLeft(tb, 4).AsByte() & top),
                    High(v1, nibble) | (Vector512.ShiftLeft(tb, 2).AsByte() & top),
                    High(v2, nibble) | (tb.AsByte() & top),
                    High(v3, nibble) | (Vector512.ShiftRightLogical(tb, 2).AsByte() & top),
                    Avx512BW.PermuteVar32x16(sc, FirstGroup), Avx512BW.PermuteVar32x16(sc, SecondGroup), Avx512BW.PermuteVar32x16(sc, BothGroups),
                    x + 256 * s + 32 * j, sums + 16 * s + 2 * j);
            }
            return Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Halves(p) * dx[8 * s], acc);
        }
    }
}
