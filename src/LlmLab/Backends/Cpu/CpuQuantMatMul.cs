using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// y[n, m] = x[n, k] · W[m, k]ᵀ with W in a ggml block format, read straight from its blocks (no dequantized
/// copy of the model exists; each task unpacks one W row at a time into L1-sized scratch).
///
/// Numerics, as llama.cpp computes these products: the activations are quantized to the int8 blocks llama.cpp pairs
/// with the weight format (<see cref="CpuActivationQuant"/>: Q8_0, Q8_1 or Q8_K numerics), each W row is unpacked to
/// int8 q with a scale s and offset o per 16 elements (<see cref="CpuBlockUnpack"/>, exact), and
///   y = Σ_blocks b dx_b · (s_2b · Σ_{e∈2b} q_e·xq_e + s_2b+1 · Σ_{e∈2b+1} q_e·xq_e) + Σ_groups g o_g · gs_g,
/// with dx_b the activation scale of 32-element block b and gs_g the activation group sum d·Σxq. The integer sums are
/// exact (int32), so the result differs from llama.cpp's only in the order of the float additions; against fp32 math
/// on the dequantized weights the activation rounding gives an NMSE of ~1e-5–1e-4 (the tests state the bound per
/// format).
///
/// Integer dot: |q| (unsigned) × sign(x, q) with pmaddubsw + pmaddwd (AVX2 / AVX-512BW), or vpdpbusd where
/// AVX-VNNI exists; both give 8 int32 lanes per 32 elements, lane i summing elements 4i..4i+3, so lanes 0–3 are
/// the first 16-element group and lanes 4–7 the second. |q| ≤ 128 and |xq| ≤ 127 keep pmaddubsw's int16 pair
/// sums exact (2·128·127 &lt; 32768). Elsewhere a scalar loop computes the same sums.
/// Prefill: a task unpacks each of its W rows once and multiplies it with every x row (four at a time; with AVX-512BW
/// two blocks per multiply, CpuQuantMatMul.Wide.cs, and two W rows per pass, CpuQuantMatMul.Pair.cs). Decode
/// (n ≤ <see cref="FusedMaxRows"/>) of the common formats runs <see cref="CpuFusedDot"/>, which decodes blocks in registers.
/// </summary>
internal static unsafe partial class CpuQuantMatMul
{
    /// <summary>W rows per parallel task (enough work per task to amortise handing it out, small enough to balance 2–16 cores).</summary>
    private const int RowsPerTask = 16;

    /// <summary>
    /// W rows per task of the fused decode path: a decode product is ~0.1–0.3 µs per row, so 64 rows (~10 µs) make
    /// the shared-counter hand-out negligible while 2048-row products still split into 32 tasks to balance.
    /// </summary>
    private const int FusedRowsPerTask = 64;

    /// <summary>Below this many x rows, activations are quantized on the calling thread (one row is ~k/32 µs of work).</summary>
    private const int ParallelQuantizeRows = 8;

    /// <summary>Up to this many x rows, formats with a <see cref="CpuFusedDot"/> kernel decode each block in registers (nothing to reuse an unpacked row for).</summary>
    private const int FusedMaxRows = 2;

    [ThreadStatic] private static RowScratch? _scratch;

    /// <summary>The second W row of <see cref="Dot2x4Wide"/>.</summary>
    [ThreadStatic] private static RowScratch? _scratch2;

    public static void Run(CpuTensor x, CpuWeight w, CpuTensor y)
    {
        int n = x.Rows, k = x.Cols, m = w.Rows;
        var format = w.Format;
        if (!CpuBlockUnpack.Supports(format)) throw new NotSupportedException($"the CPU backend has no kernel for {format} ({w.Name})");
        if (k % format.BlockLength() != 0)
            throw new ArgumentException($"{w.Name}: rows of {k} elements are not whole {format} blocks of {format.BlockLength()}");
        var act = CpuActivationQuant.ForThread(n, k, CpuActivationQuant.For(format));
        float* xp = x.Floats, yp = y.Floats;
        if (n < ParallelQuantizeRows) for (int i = 0; i < n; i++) act.Quantize(i, xp + (long)i * k);
        else CpuParallel.For(n, (long)n * k * 4, i => act.Quantize(i, xp + (long)i * k));

        long rowBytes = format.RowBytes(k);
        bool offsets = CpuBlockUnpack.HasOffsets(format), biased = SmallSigned(format);
        // Rows [0, first) are the repacked weight's whole 16-row groups; the paths below take the rest.
        int first = 0;
        if (w.Repacked is { } repacked)
        {
            CpuRepackedMatMul.Run(repacked, act, n, yp, m);
            first = repacked.Groups * CpuRepackedWeight.GroupRows;
            if (first == m) return;
        }
        int tasks = (m - first + RowsPerTask - 1) / RowsPerTask;
        byte* data = w.Data;
        if (n <= FusedMaxRows && CpuFusedDot.Supports(format))
        {
            int fusedTasks = (m - first + FusedRowsPerTask - 1) / FusedRowsPerTask;
            CpuParallel.For(fusedTasks, (long)n * (m - first) * k, task =>
            {
                int j0 = first + task * FusedRowsPerTask, count = Math.Min(m, j0 + FusedRowsPerTask) - j0;
                for (int i = 0; i < n; i++)
                    CpuFusedDot.Rows(format, data + j0 * rowBytes, rowBytes, count, k, act.Q(i), act.Scales(i), act.GroupSums(i), yp + (long)i * m + j0);
            });
            return;
        }
        CpuParallel.For(tasks, (long)n * (m - first) * k, task =>
        {
            var s = _scratch ??= new RowScratch();
            s.Ensure(k);
            int j0 = first + task * RowsPerTask, j1 = Math.Min(m, j0 + RowsPerTask);
            int j = j0;
            if (Avx512BW.IsSupported && n >= 4)
            {
                // Two W rows per pass (CpuQuantMatMul.Pair.cs); an odd last row and x rows past a multiple of 4 go below.
                var s2 = _scratch2 ??= new RowScratch();
                s2.Ensure(k);
                bool superBlocks = act.Blocks == ActivationBlocks.Q8_K;
                for (; j + 2 <= j1; j += 2)
                {
                    CpuBlockUnpack.Row(format, data + j * rowBytes, k, s.Q, s.Scale, s.Offset);
                    CpuBlockUnpack.Row(format, data + (j + 1) * rowBytes, k, s2.Q, s2.Scale, s2.Offset);
                    if (superBlocks)
                    {
                        CpuBlockUnpack.SuperBlockScales(format, data + j * rowBytes, k, s.Lanes, s.SuperScale);
                        CpuBlockUnpack.SuperBlockScales(format, data + (j + 1) * rowBytes, k, s2.Lanes, s2.SuperScale);
                    }
                    int i = 0;
                    for (; i + 4 <= n; i += 4)
                    {
                        if (superBlocks) Dot2x4SuperBlocks(s, s2, offsets, biased, act, i, k, s.Four, s2.Four);
                        else Dot2x4Wide(s.Q, s.Scale, offsets ? s.Offset : null, s2.Q, s2.Scale, offsets ? s2.Offset : null, biased, act, i, k, s.Four, s2.Four);
                        for (int r = 0; r < 4; r++)
                        {
                            yp[(long)(i + r) * m + j] = s.Four[r];
                            yp[(long)(i + r) * m + j + 1] = s2.Four[r];
                        }
                    }
                    for (; i < n; i++)
                    {
                        yp[(long)i * m + j] = Single(s, offsets, act, i, k);
                        yp[(long)i * m + j + 1] = Single(s2, offsets, act, i, k);
                    }
                }
            }
            for (; j < j1; j++)
            {
                CpuBlockUnpack.Row(format, data + j * rowBytes, k, s.Q, s.Scale, s.Offset);
                int i = 0;
                if (Avx512BW.IsSupported)
                    for (; i + 4 <= n; i += 4)
                    {
                        Dot4Wide(s.Q, s.Scale, offsets ? s.Offset : null, biased, act, i, k, s.Four);
                        for (int r = 0; r < 4; r++) yp[(long)(i + r) * m + j] = s.Four[r];
                    }
                if (Avx2.IsSupported)
                    for (; i + 4 <= n; i += 4)
                    {
                        Dot4(s.Q, s.Scale, act, i, k, s.Four);
                        for (int r = 0; r < 4; r++)
                        {
                            float v = s.Four[r];
                            if (offsets) v += OffsetTerm(s.Offset, act.GroupSums(i + r), k / CpuBlockUnpack.GroupLength);
                            yp[(long)(i + r) * m + j] = v;
                        }
                    }
                for (; i < n; i++)
                {
                    float v = Dot(s.Q, s.Scale, act.Q(i), act.Scales(i), k);
                    if (offsets) v += OffsetTerm(s.Offset, act.GroupSums(i), k / CpuBlockUnpack.GroupLength);
                    yp[(long)i * m + j] = v;
                }
            }
        });
    }

    /// <summary>One unpacked W row (<paramref name="s"/>) · activation row i, offset term included.</summary>
    private static float Single(RowScratch s, bool offsets, CpuActivationQuant act, int i, int k)
    {
        float v = Dot(s.Q, s.Scale, act.Q(i), act.Scales(i), k);
        if (offsets) v += OffsetTerm(s.Offset, act.GroupSums(i), k / CpuBlockUnpack.GroupLength);
        return v;
    }

    /// <summary>Σ_b dx[b] · (s[2b]·I_2b + s[2b+1]·I_2b+1) over the k/32 blocks, I_g the int8 dot of group g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(sbyte* q, float* scale, sbyte* xq, float* dx, int k)
    {
        int blocks = k / CpuActivationQuant.BlockLength;
        if (Avx2.IsSupported)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            var ones = Vector256.Create((short)1);
            int b = 0;
            for (; b + 2 <= blocks; b += 2)
            {
                acc0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Block(q + 32 * b, xq + 32 * b, ones)), GroupScales(scale + 2 * b, dx[b]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Block(q + 32 * b + 32, xq + 32 * b + 32, ones)), GroupScales(scale + 2 * b + 2, dx[b + 1]), acc1);
            }
            for (; b < blocks; b++)
                acc0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Block(q + 32 * b, xq + 32 * b, ones)), GroupScales(scale + 2 * b, dx[b]), acc0);
            return Vector256.Sum(acc0 + acc1);
        }
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            int i0 = 0, i1 = 0;
            sbyte* qb = q + 32 * b, xb = xq + 32 * b;
            for (int e = 0; e < 16; e++) i0 += qb[e] * xb[e];
            for (int e = 16; e < 32; e++) i1 += qb[e] * xb[e];
            sum += dx[b] * (scale[2 * b] * i0 + scale[2 * b + 1] * i1);
        }
        return sum;
    }

    /// <summary>
    /// <see cref="Dot"/> of one unpacked W row with activation rows i0 … i0 + 3 (prefill): the W loads, |q| and the
    /// group scales are shared by the four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(sbyte* q, float* scale, CpuActivationQuant act, int i0, int k, float* result)
    {
        int blocks = k / CpuActivationQuant.BlockLength;
        sbyte* x0 = act.Q(i0), x1 = act.Q(i0 + 1), x2 = act.Q(i0 + 2), x3 = act.Q(i0 + 3);
        float* d0 = act.Scales(i0), d1 = act.Scales(i0 + 1), d2 = act.Scales(i0 + 2), d3 = act.Scales(i0 + 3);
        var ones = Vector256.Create((short)1);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++)
        {
            int e = 32 * b;
            var w = Vector256.Load(q + e);
            var u = Avx2.Abs(w);
            var gs = Vector256.Create(Vector128.Create(scale[2 * b]), Vector128.Create(scale[2 * b + 1]));
            a0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Products(u, w, x0 + e, ones)), gs * d0[b], a0);
            a1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Products(u, w, x1 + e, ones)), gs * d1[b], a1);
            a2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Products(u, w, x2 + e, ones)), gs * d2[b], a2);
            a3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Products(u, w, x3 + e, ones)), gs * d3[b], a3);
        }
        result[0] = Vector256.Sum(a0);
        result[1] = Vector256.Sum(a1);
        result[2] = Vector256.Sum(a2);
        result[3] = Vector256.Sum(a3);
    }

    /// <summary>8 int32 lanes of Σ q·x over 4 elements each, given |q| (<paramref name="u"/>) and q (<paramref name="w"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Products(Vector256<byte> u, Vector256<sbyte> w, sbyte* x, Vector256<short> ones)
    {
        var sx = Avx2.Sign(Vector256.Load(x), w);
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, sx);
        return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, sx), ones);
    }

    /// <summary>8 int32 lanes, lane i = Σ q[e]·x[e] for e ∈ [4i, 4i + 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Block(sbyte* q, sbyte* x, Vector256<short> ones)
    {
        // |q| as unsigned bytes (|−128| = 128) times x with q's sign (0 where q = 0) = q·x, pair by pair.
        var w = Vector256.Load(q);
        return Products(Avx2.Abs(w), w, x, ones);
    }

    /// <summary>[s0·dx ×4, s1·dx ×4]: lanes 0–3 scale the first 16-element group, lanes 4–7 the second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GroupScales(float* s, float dx) =>
        Vector256.Create(Vector128.Create(s[0]), Vector128.Create(s[1])) * dx;

    /// <summary>Σ_g o[g] · xsum[g]: the minimum terms of Q4_1/Q5_1/Q2_K/Q4_K/Q5_K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float OffsetTerm(float* o, float* xsum, int groups) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(o, groups), new ReadOnlySpan<float>(xsum, groups));

    /// <summary>One unpacked W row: q [k] int8, scale and offset [k/16] fp32 (pinned, per thread).</summary>
    private sealed class RowScratch
    {
        private sbyte[] _q = [];
        private float[] _s = [], _o = [], _d = [];
        private short[] _lanes = [];
        private readonly float[] _four = GC.AllocateArray<float>(4, pinned: true);

        /// <summary>The four results of <see cref="Dot4"/>.</summary>
        public float* Four => (float*)Unsafe.AsPointer(ref _four[0]);

        public sbyte* Q => (sbyte*)Unsafe.AsPointer(ref _q[0]);
        public float* Scale => (float*)Unsafe.AsPointer(ref _s[0]);
        public float* Offset => (float*)Unsafe.AsPointer(ref _o[0]);

        /// <summary>Super-block formats: each group's integer scale over its 8 int16 lanes (<see cref="CpuBlockUnpack.SuperBlockScales"/>).</summary>
        public short* Lanes => (short*)Unsafe.AsPointer(ref _lanes[0]);

        /// <summary>Super-block formats: each super-block's fp32 d.</summary>
        public float* SuperScale => (float*)Unsafe.AsPointer(ref _d[0]);

        public void Ensure(int k)
        {
            if (_q.Length >= k) return;
            _q = GC.AllocateUninitializedArray<sbyte>(k, pinned: true);
            _s = GC.AllocateUninitializedArray<float>(k / CpuBlockUnpack.GroupLength, pinned: true);
            _o = GC.AllocateUninitializedArray<float>(k / CpuBlockUnpack.GroupLength, pinned: true);
            _lanes = GC.AllocateUninitializedArray<short>(k / 2, pinned: true);
            _d = GC.AllocateUninitializedArray<float>(Math.Max(1, k / 256), pinned: true);
        }
    }
}
