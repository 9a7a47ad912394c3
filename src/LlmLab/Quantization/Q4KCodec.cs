using System.Runtime.Intrinsics;
using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>
/// ggml's Q4_K, byte-exact with <c>quantize_row_q4_K_ref</c> (what <c>ggml_quantize_chunk</c> runs without an
/// importance matrix) and <c>dequantize_row_q4_K</c>. Block of 256 (144 bytes): d, dmin fp16; scales u8[12]
/// (8 six-bit scales and 8 six-bit mins, see <see cref="KQuantMath.ScaleMinK4"/>); qs u8[128], where each 32-byte
/// group holds sub-block 2k in its low nibbles and 2k+1 in its high nibbles; value = d·scale·q − dmin·min.
/// </summary>
internal sealed class Q4KCodec() : GgmlBlockCodec(TensorFormat.Q4_K)
{
    private const int BlockLength = TensorFormats.SuperBlock;
    private const int LevelMax = 15;   // 4-bit levels
    private const int HeaderBytes = 16; // d, dmin, scales[12]

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<byte> levels = stackalloc byte[BlockLength];
        // ggml's search for Q4_K: level counts 14 … 16 in steps of 0.1, squared error.
        KQuantMath.QuantizeScaleMinSuperBlock(x, LevelMax, rmin: -1f, rdelta: 0.1f, steps: 20, y[..HeaderBytes], levels);
        var q = y[HeaderBytes..];
        for (int j = 0; j < BlockLength; j += 64, q = q[32..])
            for (int l = 0; l < 32; l++)
                q[l] = (byte)(levels[j + l] | (levels[j + l + 32] << 4));
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = KQuantMath.ReadHalf(block), min = KQuantMath.ReadHalf(block[2..]);
        var packed = block.Slice(4, 12);
        var q = block[HeaderBytes..];
        var nibble = Vector128.Create((byte)0xF);
        // Each 32 bytes of qs: sub-block s in the low nibbles, s+1 in the high ones; 16 bytes at a time.
        for (int j = 0, s = 0; j < BlockLength; j += 64, s += 2, q = q[32..])
        {
            var (sc1, m1) = KQuantMath.ScaleMinK4(s, packed);
            var (sc2, m2) = KQuantMath.ScaleMinK4(s + 1, packed);
            Vector128<float> d1 = Vector128.Create(d * sc1), min1 = Vector128.Create(min * m1);
            Vector128<float> d2 = Vector128.Create(d * sc2), min2 = Vector128.Create(min * m2);
            for (int l = 0; l < 32; l += 16)
            {
                var bytes = Vector128.Create(q.Slice(l, 16));
                KQuantMath.ScaleLevels(bytes & nibble, d1, min1, y.Slice(j + l, 16));
                KQuantMath.ScaleLevels(Vector128.ShiftRightLogical(bytes, 4), d2, min2, y.Slice(j + 32 + l, 16));
            }
        }
    }
}
