using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>
/// ggml's Q5_K, byte-exact with <c>quantize_row_q5_K_ref</c> (what <c>ggml_quantize_chunk</c> runs without an
/// importance matrix) and <c>dequantize_row_q5_K</c>. Block of 256 (176 bytes): d, dmin fp16; scales u8[12] as
/// Q4_K; qh u8[32] (the fifth bit: sub-block k's element l in bit k of byte l); qs u8[128] nibbles laid out as
/// Q4_K; value = d·scale·q − dmin·min.
/// </summary>
internal sealed class Q5KCodec() : GgmlBlockCodec(TensorFormat.Q5_K)
{
    private const int BlockLength = TensorFormats.SuperBlock;
    private const int LevelMax = 31;    // 5-bit levels
    private const int HeaderBytes = 16; // d, dmin, scales[12]
    private const int QhOffset = 16, QsOffset = 48;

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<byte> levels = stackalloc byte[BlockLength];
        // ggml's search for Q5_K: level counts 30.5 … 32 in steps of 0.1, squared error.
        KQuantMath.QuantizeScaleMinSuperBlock(x, LevelMax, rmin: -0.5f, rdelta: 0.1f, steps: 15, y[..HeaderBytes], levels);
        var qh = y.Slice(QhOffset, 32);
        var ql = y[QsOffset..];
        qh.Clear();
        byte m1 = 1, m2 = 2;
        for (int n = 0; n < BlockLength; n += 64, ql = ql[32..])
        {
            for (int j = 0; j < 32; j++)
            {
                int l1 = levels[n + j];
                if (l1 > 15) { l1 -= 16; qh[j] |= m1; }
                int l2 = levels[n + j + 32];
                if (l2 > 15) { l2 -= 16; qh[j] |= m2; }
                ql[j] = (byte)(l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
        }
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = KQuantMath.ReadHalf(block), min = KQuantMath.ReadHalf(block[2..]);
        var packed = block.Slice(4, 12);
        var qh = block.Slice(QhOffset, 32);
        var ql = block[QsOffset..];
        int o = 0;
        // Sub-blocks s and s+1 take their fifth bit from bits s and s+1 of qh, moved to bit 4 without a branch
        // (the bits are random, so a branch would mispredict half the time).
        for (int j = 0, s = 0; j < BlockLength; j += 64, s += 2, ql = ql[32..])
        {
            var (sc1, m1) = KQuantMath.ScaleMinK4(s, packed);
            var (sc2, m2) = KQuantMath.ScaleMinK4(s + 1, packed);
            float d1 = d * sc1, min1 = min * m1, d2 = d * sc2, min2 = min * m2;
            for (int l = 0; l < 32; l++) y[o++] = d1 * ((ql[l] & 0xF) + (((qh[l] >> s) & 1) << 4)) - min1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * ((ql[l] >> 4) + (((qh[l] >> (s + 1)) & 1) << 4)) - min2;
        }
    }
}
