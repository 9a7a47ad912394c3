using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml IQ4_NL (18 bytes per 32 values): d:fp16, qs:u8[16] (nibbles as Q4_0); value = d · table[nibble] with
/// ggml's non-linear table <see cref="IQ4Quantizer.Values"/>. Quantizer: <c>quantize_iq4_nl</c> without an
/// importance matrix (what <c>ggml_quantize_chunk</c> calls), a search over 15 trial scales.
/// </summary>
internal sealed class IQ4_NLCodec() : GgmlBlockCodec(TensorFormat.IQ4_NL)
{
    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<float> scales = stackalloc float[1];
        Span<byte> levels = stackalloc byte[TensorFormats.SmallBlock];
        ushort d = IQ4Quantizer.Quantize(x, y[2..], default, scales, levels, out _);
        BinaryPrimitives.WriteUInt16LittleEndian(y, d);
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        IQ4Quantizer.Decode(d, y.Slice(2, 16), x);
    }
}

/// <summary>
/// ggml IQ4_XS (136 bytes per 256 values): d:fp16, scales_h:u16, scales_l:u8[4], qs:u8[128]. Eight sub-blocks of
/// 32, each with a 6-bit scale ls = (low nibble from scales_l | two bits from scales_h &lt;&lt; 4) − 32 and nibbles
/// laid out as IQ4_NL; value = d · ls · table[nibble]. Quantizer: <c>quantize_iq4_xs</c> without an importance matrix.
/// </summary>
internal sealed class IQ4_XSCodec() : GgmlBlockCodec(TensorFormat.IQ4_XS)
{
    private const int SubBlocks = TensorFormats.SuperBlock / TensorFormats.SmallBlock;

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<float> scales = stackalloc float[SubBlocks];
        Span<byte> levels = stackalloc byte[TensorFormats.SuperBlock];
        ushort d = IQ4Quantizer.Quantize(x, y[8..], y.Slice(4, 4), scales, levels, out ushort scalesHigh);
        BinaryPrimitives.WriteUInt16LittleEndian(y, d);
        BinaryPrimitives.WriteUInt16LittleEndian(y[2..], scalesHigh);
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        ushort scalesHigh = BinaryPrimitives.ReadUInt16LittleEndian(y[2..]);
        var scalesLow = y.Slice(4, 4);
        for (int ib = 0; ib < SubBlocks; ib++)
        {
            int ls = (scalesLow[ib / 2] >> 4 * (ib % 2) & 0xF) | (scalesHigh >> 2 * ib & 3) << 4;
            float dl = d * (ls - 32);
            IQ4Quantizer.Decode(dl, y.Slice(8 + 16 * ib, 16), x.Slice(32 * ib, 32));
        }
    }
}

/// <summary>
/// ggml's <c>quantize_row_iq4_nl_impl</c> with no importance matrix (weights x²) and ntry = 7, shared by IQ4_NL
/// (one 32-value block) and IQ4_XS (a 256-value super-block of eight).
/// </summary>
internal static class IQ4Quantizer
{
    /// <summary>ggml's <c>kvalues_iq4nl</c>: the 16 levels a nibble selects (ascending).</summary>
    public static ReadOnlySpan<sbyte> Values => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    private const int Block = TensorFormats.SmallBlock;
    private const int Tries = 7;            // ggml's ntry: trial scales (itry + values[0]) / max for itry in −7..7
    private const float ZeroBlock = 1e-15f; // ggml's GROUP_MAX_EPS: a block whose amax is below this is all zero

    /// <summary>Decodes 32 values: x[j] = d · table[low nibble of qs[j]], x[j+16] = d · table[high nibble].</summary>
    public static void Decode(float d, ReadOnlySpan<byte> qs, Span<float> x)
    {
        var values = Values;
        for (int j = 0; j < 16; j++)
        {
            x[j] = d * values[qs[j] & 0xF];
            x[j + 16] = d * values[qs[j] >> 4];
        }
    }

    /// <summary>
    /// Quantizes x (32 or 256 values) into nibbles <paramref name="q4"/> (x.Length / 2 bytes). With more than one
    /// sub-block it also writes the 6-bit sub-block scales (<paramref name="scalesLow"/>, <paramref name="scalesHigh"/>).
    /// Returns the fp16 bits of the block scale d. <paramref name="scales"/> (one per sub-block) and
    /// <paramref name="levels"/> (one per value) are scratch.
    /// </summary>
    public static ushort Quantize(ReadOnlySpan<float> x, Span<byte> q4, Span<byte> scalesLow, Span<float> scales,
        Span<byte> levels, out ushort scalesHigh)
    {
        var values = Values;
        int nb = x.Length / Block;
        scalesHigh = 0;
        float maxScale = 0, amaxScale = 0;
        for (int ib = 0; ib < nb; ib++)
        {
            var xb = x.Slice(ib * Block, Block);
            float amax = 0, max = 0;
            for (int j = 0; j < Block; j++)
            {
                float ax = MathF.Abs(xb[j]);
                if (ax > amax) { amax = ax; max = xb[j]; }
            }
            if (amax < ZeroBlock) { scales[ib] = 0; continue; }

            // First guess: the largest value on the table's end; then 15 trial scales, keeping the one with the
            // best weighted least-squares fit (weights x²). ggml also records this pass's levels; every path below
            // recomputes them from the final scale, so they are not kept here.
            float d = -max / values[0];
            float id = 1 / d;
            Fit(xb, id, out float sumqx, out float sumq2);
            d = sumq2 > 0 ? sumqx / sumq2 : 0f;
            float best = d * sumqx;
            for (int itry = -Tries; itry <= Tries; itry++)
            {
                id = (itry + values[0]) / max;
                Fit(xb, id, out sumqx, out sumq2);
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2)
                {
                    d = sumqx / sumq2;
                    best = d * sumqx;
                }
            }
            scales[ib] = d;
            float absD = MathF.Abs(d);
            if (absD > amaxScale) { amaxScale = absD; maxScale = d; }
        }

        ushort dh;
        if (nb > 1)
        {
            // Sub-block scales as 6-bit multiples of d = −maxScale/32; each sub-block is then re-quantized with its
            // rounded scale.
            float d = -maxScale / 32;
            dh = ToHalf(d);
            float id = d != 0 ? 1 / d : 0f;
            for (int ib = 0; ib < nb; ib++)
            {
                int l = NearestInt(id * scales[ib]);
                l = Math.Max(-32, Math.Min(31, l));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0f;
                var xb = x.Slice(ib * Block, Block);
                var lb = levels.Slice(ib * Block, Block);
                for (int j = 0; j < Block; j++) lb[j] = (byte)BestIndex(idl * xb[j]);
                l += 32;
                byte low = (byte)(l & 0xF);
                if (ib % 2 == 0) scalesLow[ib / 2] = low;
                else scalesLow[ib / 2] |= (byte)(low << 4);
                scalesHigh |= (ushort)((l >> 4) << 2 * (ib % 8));
            }
        }
        else
        {
            dh = ToHalf(scales[0]);
            float id = scales[0] != 0 ? 1 / scales[0] : 0;
            for (int j = 0; j < x.Length; j++) levels[j] = (byte)BestIndex(id * x[j]);
        }

        for (int i = 0; i < nb; i++)
            for (int j = 0; j < 16; j++)
                q4[16 * i + j] = (byte)(levels[32 * i + j] | levels[32 * i + 16 + j] << 4);
        return dh;
    }

    // Σ w·q·x and Σ w·q² over a block with w = x² and q = table[nearest level of id·x], in ggml's order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fit(ReadOnlySpan<float> xb, float id, out float sumqx, out float sumq2)
    {
        var values = Values;
        sumqx = 0;
        sumq2 = 0;
        for (int j = 0; j < xb.Length; j++)
        {
            float xj = xb[j];
            float q = values[BestIndex(id * xj)];
            float w = xj * xj;
            sumqx += w * q * xj;
            sumq2 += w * q * q;
        }
    }

    /// <summary>
    /// ggml's <c>best_index_int8</c> over the table, literally: the nearest level by bisection, ties to the upper
    /// level, with the comparison <c>x − lo &lt; hi − x</c> in fp32 as ggml computes it. The definition
    /// <see cref="BestIndex"/> must agree with (tests compare them); too slow for the quantizer's inner loops.
    /// </summary>
    public static int BestIndexByBisection(float x)
    {
        var values = Values;
        if (x <= values[0]) return 0;
        if (x >= values[15]) return 15;
        int lo = 0, hi = 15;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (x < values[mid]) hi = mid; else lo = mid;
        }
        return x - values[hi - 1] < values[hi] - x ? hi - 1 : hi;
    }

    // The levels' midpoints doubled are the integers values[i] + values[i+1], from −231 to 202. Near each midpoint
    // x and both differences x − lo, hi − x lie within a factor of two of each other, so the differences are exact
    // in fp32 and bisection picks level i+1 exactly when 2x ≥ that integer, i.e. when floor(2x) ≥ it (far from a
    // midpoint rounding cannot flip the comparison). The level thus follows from floor(2x), clamped to this range.
    private const int LowestDoubledMidpoint = -231;
    private const int HighestDoubledMidpoint = 202;
    private static readonly byte[] LevelOfDoubled = BuildLevelTable();

    private static byte[] BuildLevelTable()
    {
        var values = Values;
        var table = new byte[HighestDoubledMidpoint - LowestDoubledMidpoint + 2];
        for (int k = 0; k < table.Length; k++)
        {
            int doubled = LowestDoubledMidpoint - 1 + k, level = 0;
            for (int i = 0; i < 15; i++)
                if (doubled >= values[i] + values[i + 1]) level = i + 1;
            table[k] = (byte)level;
        }
        return table;
    }

    /// <summary>
    /// The index of the table level nearest <paramref name="x"/>, exactly as ggml's <c>best_index_int8</c> picks it
    /// (<see cref="BestIndexByBisection"/>, NaN included: it gives 15), from a lookup on floor(2x).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BestIndex(float x)
    {
        if (float.IsNaN(x)) return 15;
        float k = Math.Clamp(MathF.Floor(2 * x), LowestDoubledMidpoint - 1, HighestDoubledMidpoint);
        return LevelOfDoubled[(int)k - (LowestDoubledMidpoint - 1)];
    }
}
