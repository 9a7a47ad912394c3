using System.Runtime.Intrinsics;
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
        var nibble = Vector128.Create((byte)0xF);
        var one = Vector128.Create((byte)1);
        // Sub-blocks s and s+1 take their fifth bit from bits s and s+1 of qh, moved to bit 4; 16 bytes at a time.
        for (int j = 0, s = 0; j < BlockLength; j += 64, s += 2, ql = ql[32..])
        {
            var (sc1, m1) = KQuantMath.ScaleMinK4(s, packed);
            var (sc2, m2) = KQuantMath.ScaleMinK4(s + 1, packed);
            Vector128<float> d1 = Vector128.Create(d * sc1), min1 = Vector128.Create(min * m1);
            Vector128<float> d2 = Vector128.Create(d * sc2), min2 = Vector128.Create(min * m2);
            for (int l = 0; l < 32; l += 16)
            {
                var low = Vector128.Create(ql.Slice(l, 16));
                var high = Vector128.Create(qh.Slice(l, 16));
                var fifth1 = Vector128.ShiftLeft(Vector128.ShiftRightLogical(high, s) & one, 4);
                var fifth2 = Vector128.ShiftLeft(Vector128.ShiftRightLogical(high, s + 1) & one, 4);
                KQuantMath.ScaleLevels((low & nibble) | fifth1, d1, min1, y.Slice(j + l, 16));
                KQuantMath.ScaleLevels(Vector128.ShiftRightLogical(low, 4) | fifth2, d2, min2, y.Slice(j + 32 + l, 16));
            }
        }
    }
}
