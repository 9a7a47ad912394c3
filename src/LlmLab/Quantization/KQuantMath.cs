using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// The scale searches ggml's K-quant reference quantizers share (ggml/src/ggml-quants.c: <c>make_qx_quants</c>,
/// <c>make_q3_quants</c>, <c>make_qkx2_quants</c>, <c>get_scale_min_k4</c>) and the decoders' inner step, written so
/// that every fp32 operation happens as in the C code: the codecs are byte-exact with <c>ggml_quantize_chunk</c>
/// only because of that. Element-wise work may run in SIMD lanes (each lane rounds as the scalar C does), but sums
/// stay sequential in element order and nothing is fused (FMA) or reassociated. Rounding and fp16 conversions are
/// <see cref="GgmlArithmetic"/>'s.
/// </summary>
internal static class KQuantMath
{
    /// <summary>
    /// Sub-blocks whose largest magnitude is below this count as all zero (ggml's GROUP_MAX_EPS): their scale
    /// would overflow when inverted.
    /// </summary>
    public const float GroupMaxEps = 1e-15f;

    // The largest group the searches take (Q4_K/Q5_K sub-blocks; Q2_K, Q3_K and Q6_K use 16), which bounds their
    // stack scratch; groups come in multiples of the 4 lanes they are computed in.
    private const int MaxGroup = 32;
    private const int Lanes = 4;

    // GgmlArithmetic.NearestInt's constants, for the four-lane version: 1.5·2^23 moves the rounded integer into
    // the low mantissa bits, offset by 2^22.
    private const float RoundingMagic = 12582912f;
    private const int MantissaMask = 0x007FFFFF;
    private const int MantissaBias = 0x00400000;

    /// <summary>Reads an IEEE fp16 field (little-endian) as fp32; exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReadHalf(ReadOnlySpan<byte> bytes) => FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes));

    /// <summary>Writes fp32 as an IEEE fp16 field as ggml's GGML_FP32_TO_FP16 does (<see cref="GgmlArithmetic.ToHalf"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteHalf(Span<byte> bytes, float value) => BinaryPrimitives.WriteUInt16LittleEndian(bytes, ToHalf(value));

    /// <summary>
    /// Decodes 16 unsigned levels into <paramref name="y"/> as d·l − m, ggml's <c>dequantize_row_q{2,4,5}_K</c>
    /// expression: element-wise fp32 multiply then subtract (no FMA), so each lane rounds as the scalar C does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleLevels(Vector128<byte> levels, Vector128<float> d, Vector128<float> m, Span<float> y)
    {
        var (low, high) = Vector128.Widen(levels);
        var (l0, l1) = Vector128.Widen(low);
        var (l2, l3) = Vector128.Widen(high);
        (d * Vector128.ConvertToSingle(l0.AsInt32()) - m).CopyTo(y);
        (d * Vector128.ConvertToSingle(l1.AsInt32()) - m).CopyTo(y[4..]);
        (d * Vector128.ConvertToSingle(l2.AsInt32()) - m).CopyTo(y[8..]);
        (d * Vector128.ConvertToSingle(l3.AsInt32()) - m).CopyTo(y[12..]);
    }

    /// <summary>
    /// Decodes 16 offset levels into <paramref name="y"/> as d·(l − <paramref name="offset"/>), ggml's
    /// <c>dequantize_row_q{3,6}_K</c> expression (the integer subtraction is exact; one fp32 multiply per lane).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleLevels(Vector128<byte> levels, int offset, Vector128<float> d, Span<float> y)
    {
        var o = Vector128.Create(offset);
        var (low, high) = Vector128.Widen(levels);
        var (l0, l1) = Vector128.Widen(low);
        var (l2, l3) = Vector128.Widen(high);
        (d * Vector128.ConvertToSingle(l0.AsInt32() - o)).CopyTo(y);
        (d * Vector128.ConvertToSingle(l1.AsInt32() - o)).CopyTo(y[4..]);
        (d * Vector128.ConvertToSingle(l2.AsInt32() - o)).CopyTo(y[8..]);
        (d * Vector128.ConvertToSingle(l3.AsInt32() - o)).CopyTo(y[12..]);
    }

    /// <summary>
    /// ggml's <c>make_qx_quants</c> with <c>rmse_type</c> 1 and no importance weights (weights x²), as Q6_K uses it:
    /// symmetric levels −nmax … nmax−1 stored as 0 … 2·nmax−1 in <paramref name="levels"/>; tries 18 scales around
    /// nmax / max and keeps the one with the best weighted fit. Returns the scale (0 for an all-zero group).
    /// </summary>
    [SkipLocalsInit]
    public static float MakeQxQuants(int nmax, ReadOnlySpan<float> x, Span<sbyte> levels)
    {
        int n = x.Length;
        if (n == 0 || n > MaxGroup || n % Lanes != 0 || levels.Length < n)
            throw new ArgumentException($"make_qx_quants: groups of 4 … {MaxGroup} values in fours, with as many levels; got {n}, {levels.Length}");
        ref float xs = ref MemoryMarshal.GetReference(x);
        // Per element w·x·l and w·l·l of a trial (written before read, hence SkipLocalsInit).
        Span<float> products = stackalloc float[2 * MaxGroup];
        ref float wxl = ref MemoryMarshal.GetReference(products);
        ref float wll = ref Unsafe.Add(ref wxl, MaxGroup);
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Max(-nmax, Math.Min(nmax - 1, NearestInt(iscale * x[i])));
            levels[i] = (sbyte)(l + nmax);
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        // ggml's 18 candidate scales: nmax ± 0.1 … 0.9 levels at the largest magnitude. This is Q6_K's hot loop:
        // levels and the products (x·x)·x·l and (x·x)·l·l four lanes at a time (element-wise, so rounded exactly as
        // the scalar C), then summed one by one in element order, as ggml sums them.
        var low = Vector128.Create(-nmax);
        var high = Vector128.Create(nmax - 1);
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            iscale = -(nmax + 0.1f * step) / max;
            var vIscale = Vector128.Create(iscale);
            for (int i = 0; i < n; i += Lanes)
            {
                var xv = Vector128.LoadUnsafe(ref xs, (nuint)i);
                var l = Vector128.ConvertToSingle(Vector128.Max(low, Vector128.Min(high, NearestInt4(vIscale * xv))));
                var w = xv * xv;
                (w * xv * l).StoreUnsafe(ref wxl, (nuint)i);
                (w * l * l).StoreUnsafe(ref wll, (nuint)i);
            }
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++)
            {
                sumlx += Unsafe.Add(ref wxl, i);
                suml2 += Unsafe.Add(ref wll, i);
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2)
            {
                for (int i = 0; i < n; i++)
                    levels[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, NearestInt(iscale * x[i]))));
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /// <summary>
    /// ggml's <c>make_q3_quants</c> with <c>do_rmse</c> (Q3_K): symmetric levels −nmax … nmax−1 from nmax / max,
    /// then up to 5 passes that move single elements to the level that improves the x²-weighted fit. Levels end up
    /// as 0 … 2·nmax−1 in <paramref name="levels"/>; returns the least-squares scale (0 for an all-zero group).
    /// </summary>
    public static float MakeQ3Quants(int nmax, ReadOnlySpan<float> x, Span<sbyte> levels)
    {
        const int RefinementPasses = 5; // ggml's itry bound
        int n = x.Length;
        if (levels.Length < n)
            throw new ArgumentException($"make_q3_quants: {n} values need as many levels, not {levels.Length}");
        // Each element's move depends on the sums after the previous one, so this stays scalar; refs spare the
        // bounds checks, and w·x is computed once per element where ggml computes it twice (same value).
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref sbyte ls = ref MemoryMarshal.GetReference(levels);
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(Unsafe.Add(ref xs, i));
            if (ax > amax) { amax = ax; max = Unsafe.Add(ref xs, i); }
        }
        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++)
        {
            float xi = Unsafe.Add(ref xs, i);
            int l = Math.Max(-nmax, Math.Min(nmax - 1, NearestInt(iscale * xi)));
            Unsafe.Add(ref ls, i) = (sbyte)l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int pass = 0; pass < RefinementPasses; pass++)
        {
            int changed = 0;
            for (int i = 0; i < n; i++)
            {
                float xi = Unsafe.Add(ref xs, i);
                int li = Unsafe.Add(ref ls, i);
                float w = xi * xi;
                float wx = w * xi;
                float slx = sumlx - wx * li;
                if (slx > 0)
                {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.Max(-nmax, Math.Min(nmax - 1, NearestInt(xi * sl2 / slx)));
                    if (newL != li)
                    {
                        slx += wx * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2)
                        {
                            Unsafe.Add(ref ls, i) = (sbyte)newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) Unsafe.Add(ref ls, i) += (sbyte)nmax;
        return suml2 > 0f ? sumlx / suml2 : 0f;
    }

    /// <summary>
    /// ggml's <c>make_qkx2_quants</c>: asymmetric levels 0 … nmax with value = scale·level − min, min ≥ 0.
    /// Starts from the range [min(x, 0), max(x)], then tries <paramref name="steps"/> + 1 level counts
    /// nmax + <paramref name="rmin"/> + <paramref name="rdelta"/>·k, solving the weighted least squares for scale
    /// and min each time and keeping the fit with the smallest weighted error (absolute when
    /// <paramref name="useMad"/>, else squared). Groups are 4 … 32 values, in multiples of 4.
    /// Returns the scale; <paramref name="theMin"/> is the (non-negative) amount subtracted.
    /// </summary>
    public static float MakeQkx2Quants(int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<byte> levels,
        out float theMin, float rmin, float rdelta, int steps, bool useMad) => useMad
        ? MakeQkx2Quants<AbsoluteError>(nmax, x, weights, levels, out theMin, rmin, rdelta, steps)
        : MakeQkx2Quants<SquaredError>(nmax, x, weights, levels, out theMin, rmin, rdelta, steps);

    // The search runs 16 to 21 trial fits per sub-block: it is the quantizers' hot loop. The error metric is a
    // type argument (one specialized body each, no branch per element). Each trial computes its levels and the
    // per-element products w·l, w·l·l, w·l·x four lanes at a time, which rounds exactly as the scalar C does
    // (element-wise IEEE operations, no FMA), then adds the products up one by one in element order, as ggml's
    // sums do; only the order of the sums matters for byte-exactness, and it is kept.
    [SkipLocalsInit]
    private static float MakeQkx2Quants<TError>(int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<byte> levels,
        out float theMin, float rmin, float rdelta, int steps) where TError : struct, IErrorMetric
    {
        int n = x.Length;
        if (n == 0 || n > MaxGroup || n % Lanes != 0 || weights.Length < n || levels.Length < n)
            throw new ArgumentException($"make_qkx2_quants: groups of 4 … {MaxGroup} values in fours, with as many weights and levels; got {n}, {weights.Length}, {levels.Length}");
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(weights);
        // Written before read on every path (hence SkipLocalsInit): the trial levels as floats, and per element
        // w·l (reused for the weighted error), w·l·l and w·l·x.
        Span<float> buffers = stackalloc float[4 * MaxGroup];
        ref float tr = ref MemoryMarshal.GetReference(buffers);
        ref float wl = ref Unsafe.Add(ref tr, MaxGroup);
        ref float wll = ref Unsafe.Add(ref tr, 2 * MaxGroup);
        ref float wlx = ref Unsafe.Add(ref tr, 3 * MaxGroup);

        float min = xs, max = xs;
        float sumW = ws;
        float sumX = sumW * xs;
        for (int i = 1; i < n; i++)
        {
            float xi = Unsafe.Add(ref xs, i);
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = Unsafe.Add(ref ws, i);
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            levels[..n].Clear();
            theMin = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            float xi = Unsafe.Add(ref xs, i);
            byte l = (byte)Math.Max(0, Math.Min(nmax, NearestInt(iscale * (xi - min))));
            levels[i] = l;
            bestError += Unsafe.Add(ref ws, i) * TError.Of(scale * l + min - xi);
        }
        if (steps < 1)
        {
            theMin = -min;
            return scale;
        }
        var top = Vector128.Create(nmax);
        for (int step = 0; step <= steps; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            var vIscale = Vector128.Create(iscale);
            var vMin = Vector128.Create(min);
            for (int i = 0; i < n; i += Lanes)
            {
                var xv = Vector128.LoadUnsafe(ref xs, (nuint)i);
                var l = Vector128.ConvertToSingle(Vector128.Min(Vector128.Max(NearestInt4(vIscale * (xv - vMin)), Vector128<int>.Zero), top));
                l.StoreUnsafe(ref tr, (nuint)i);
                var p = Vector128.LoadUnsafe(ref ws, (nuint)i) * l;
                p.StoreUnsafe(ref wl, (nuint)i);
                (p * l).StoreUnsafe(ref wll, (nuint)i);
                (p * xv).StoreUnsafe(ref wlx, (nuint)i);
            }
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                sumL += Unsafe.Add(ref wl, i);
                sumL2 += Unsafe.Add(ref wll, i);
                sumXL += Unsafe.Add(ref wlx, i);
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                var vScale = Vector128.Create(thisScale);
                var vThisMin = Vector128.Create(thisMin);
                for (int i = 0; i < n; i += Lanes)
                {
                    var diff = vScale * Vector128.LoadUnsafe(ref tr, (nuint)i) + vThisMin - Vector128.LoadUnsafe(ref xs, (nuint)i);
                    (Vector128.LoadUnsafe(ref ws, (nuint)i) * TError.Of(diff)).StoreUnsafe(ref wl, (nuint)i);
                }
                float error = 0;
                for (int i = 0; i < n; i++) error += Unsafe.Add(ref wl, i);
                if (error < bestError)
                {
                    for (int i = 0; i < n; i++) levels[i] = (byte)Unsafe.Add(ref tr, i);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin = -min;
        return scale;
    }

    /// <summary>ggml's <c>nearest_int</c> (<see cref="GgmlArithmetic.NearestInt"/>) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> NearestInt4(Vector128<float> x) =>
        ((x + Vector128.Create(RoundingMagic)).AsInt32() & Vector128.Create(MantissaMask)) - Vector128.Create(MantissaBias);

    /// <summary>How <see cref="MakeQkx2Quants"/> weighs one element's error: ggml's <c>use_mad</c> switch.</summary>
    private interface IErrorMetric
    {
        static abstract float Of(float diff);
        static abstract Vector128<float> Of(Vector128<float> diff);
    }

    private readonly struct AbsoluteError : IErrorMetric
    {
        public static float Of(float diff) => MathF.Abs(diff);
        public static Vector128<float> Of(Vector128<float> diff) => Vector128.Abs(diff);
    }

    private readonly struct SquaredError : IErrorMetric
    {
        public static float Of(float diff) => diff * diff;
        public static Vector128<float> Of(Vector128<float> diff) => diff * diff;
    }

    /// <summary>
    /// The part Q4_K and Q5_K share (ggml's <c>quantize_row_q4_K_ref</c> / <c>quantize_row_q5_K_ref</c>): for each of
    /// the 8 sub-blocks of 32 in <paramref name="x"/> (256 values), weights RMS(sub-block) + |x| and a
    /// <see cref="MakeQkx2Quants"/> fit; the 8 scales and 8 mins quantized to 6 bits against the largest of each;
    /// the header written (d, dmin: fp16 at bytes 0 and 2; the 12 scale bytes at 4); and every element requantized
    /// against the stored scales into <paramref name="levels"/> (0 … nmax).
    /// </summary>
    public static void QuantizeScaleMinSuperBlock(ReadOnlySpan<float> x, int nmax, float rmin, float rdelta, int steps,
        Span<byte> header, Span<byte> levels)
    {
        const int SubBlock = 32;
        const int SubBlocks = 8;
        const float SixBitMax = 63f; // 6-bit scale and min codes
        // A few hundred bytes of stack per super-block: negligible beside the 21 or 16 trial fits per sub-block.
        Span<float> weights = stackalloc float[SubBlock];
        Span<float> scales = stackalloc float[SubBlocks];
        Span<float> mins = stackalloc float[SubBlocks];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < SubBlocks; j++)
        {
            var xs = x.Slice(SubBlock * j, SubBlock);
            float sumX2 = 0;
            for (int l = 0; l < SubBlock; l++) sumX2 += xs[l] * xs[l];
            float avX = MathF.Sqrt(sumX2 / SubBlock);
            for (int l = 0; l < SubBlock; l++) weights[l] = avX + MathF.Abs(xs[l]);
            scales[j] = MakeQkx2Quants(nmax, xs, weights, levels.Slice(SubBlock * j, SubBlock), out mins[j], rmin, rdelta, steps, useMad: false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }

        var packed = header.Slice(4, 12);
        float invScale = maxScale > 0 ? SixBitMax / maxScale : 0f;
        float invMin = maxMin > 0 ? SixBitMax / maxMin : 0f;
        for (int j = 0; j < SubBlocks; j++)
        {
            // ggml stores nearest_int into a uint8_t before clamping: keep that wrap-around.
            byte ls = Math.Min((byte)63, (byte)NearestInt(invScale * scales[j]));
            byte lm = Math.Min((byte)63, (byte)NearestInt(invMin * mins[j]));
            if (j < 4)
            {
                packed[j] = ls;
                packed[j + 4] = lm;
            }
            else
            {
                packed[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                packed[j - 4] |= (byte)((ls >> 4) << 6);
                packed[j] |= (byte)((lm >> 4) << 6);
            }
        }
        WriteHalf(header, maxScale / SixBitMax);
        WriteHalf(header[2..], maxMin / SixBitMax);

        float dAll = ReadHalf(header), dminAll = ReadHalf(header[2..]);
        for (int j = 0; j < SubBlocks; j++)
        {
            var (sc, m) = ScaleMinK4(j, packed);
            float d = dAll * sc;
            if (d == 0) continue;
            float dm = dminAll * m;
            for (int i = 0; i < SubBlock; i++)
            {
                int l = NearestInt((x[SubBlock * j + i] + dm) / d);
                levels[SubBlock * j + i] = (byte)Math.Max(0, Math.Min(nmax, l));
            }
        }
    }

    /// <summary>
    /// Unpacks sub-block <paramref name="j"/>'s 6-bit scale and min from Q4_K/Q5_K's 12 scale bytes (ggml's
    /// <c>get_scale_min_k4</c>): j &lt; 4 sit in the low 6 bits of bytes j and j+4; j ≥ 4 take a nibble of byte
    /// j+4 and the top 2 bits of bytes j−4 (scale) and j (min).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (byte Scale, byte Min) ScaleMinK4(int j, ReadOnlySpan<byte> q)
    {
        if (j < 4) return ((byte)(q[j] & 63), (byte)(q[j + 4] & 63));
        return ((byte)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)), (byte)((q[j + 4] >> 4) | ((q[j] >> 6) << 4)));
    }
}

