using System.Runtime.Intrinsics;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml's Q3_K, byte-exact with <c>quantize_row_q3_K_ref</c> (what <c>ggml_quantize_chunk</c> runs without an
/// importance matrix) and <c>dequantize_row_q3_K</c>. Block of 256 (110 bytes): hmask u8[32] (element j's high bit
/// is bit j/32 of byte j%32), qs u8[64] (low 2 bits), scales u8[12] (16 six-bit scales, offset by 32), d fp16;
/// value = d·(scale − 32)·(q − 4).
/// </summary>
internal sealed class Q3KCodec() : GgmlBlockCodec(TensorFormat.Q3_K)
{
    private const int BlockLength = TensorFormats.SuperBlock;
    private const int SubBlock = 16;
    private const int SubBlocks = BlockLength / SubBlock;
    private const int LevelHalf = 4;     // levels −4 … 3
    private const int ScaleHalf = 32;    // 6-bit scales −32 … 31
    private const int QsOffset = 32, ScalesOffset = 96, DOffset = 108;

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<sbyte> levels = stackalloc sbyte[BlockLength];
        Span<float> scales = stackalloc float[SubBlocks];

        float maxScale = 0, amax = 0; // the scale of largest magnitude, with its sign
        for (int j = 0; j < SubBlocks; j++)
        {
            scales[j] = KQuantMath.MakeQ3Quants(LevelHalf, x.Slice(SubBlock * j, SubBlock), levels.Slice(SubBlock * j, SubBlock));
            float scale = MathF.Abs(scales[j]);
            if (scale > amax) { amax = scale; maxScale = scales[j]; }
        }

        var packed = y.Slice(ScalesOffset, 12);
        packed.Clear();
        if (maxScale != 0)
        {
            float iscale = -ScaleHalf / maxScale;
            for (int j = 0; j < SubBlocks; j++)
            {
                // ggml keeps nearest_int in an int8_t before clamping: keep that wrap-around.
                sbyte l0 = (sbyte)NearestInt(iscale * scales[j]);
                int l = Math.Max(-ScaleHalf, Math.Min(ScaleHalf - 1, (int)l0)) + ScaleHalf;
                if (j < 8) packed[j] = (byte)(l & 0xF);
                else packed[j - 8] |= (byte)((l & 0xF) << 4);
                packed[j % 4 + 8] |= (byte)((l >> 4) << (2 * (j / 4)));
            }
            KQuantMath.WriteHalf(y[DOffset..], 1 / iscale);
        }
        else
        {
            KQuantMath.WriteHalf(y[DOffset..], 0f);
        }

        // Requantize against the stored scales; a sub-block whose scale is 0 keeps its fit.
        float dAll = KQuantMath.ReadHalf(y[DOffset..]);
        for (int j = 0; j < SubBlocks; j++)
        {
            float d = dAll * Scale(packed, j);
            if (d == 0) continue;
            for (int i = 0; i < SubBlock; i++)
            {
                int l = NearestInt(x[SubBlock * j + i] / d);
                levels[SubBlock * j + i] = (sbyte)(Math.Max(-LevelHalf, Math.Min(LevelHalf - 1, l)) + LevelHalf);
            }
        }

        var hmask = y[..32];
        hmask.Clear();
        for (int j = 0; j < BlockLength; j++)
        {
            if (levels[j] > 3)
            {
                hmask[j % 32] |= (byte)(1 << (j / 32));
                levels[j] -= 4;
            }
        }
        var qs = y.Slice(QsOffset, BlockLength / 4);
        for (int j = 0; j < BlockLength; j += 128)
            for (int l = 0; l < 32; l++)
                qs[j / 4 + l] = (byte)((byte)levels[j + l] | ((byte)levels[j + l + 32] << 2) | ((byte)levels[j + l + 64] << 4) | ((byte)levels[j + l + 96] << 6));
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float dAll = KQuantMath.ReadHalf(block[DOffset..]);
        var packed = block.Slice(ScalesOffset, 12);
        var hm = block[..32];
        var q = block.Slice(QsOffset, BlockLength / 4);
        var two = Vector128.Create((byte)3);
        var one = Vector128.Create((byte)1);
        int s = 0, o = 0, bit = 0;
        // Level = low 2 bits | high bit·4, stored with offset 4: ggml's q − (high bit ? 0 : 4).
        for (int n = 0; n < BlockLength; n += 128, q = q[32..])
        {
            for (int shift = 0; shift < 8; shift += 2, bit++)
            {
                for (int half = 0; half < 32; half += 16, s++, o += 16)
                {
                    var dl = Vector128.Create(dAll * Scale(packed, s));
                    var low = Vector128.ShiftRightLogical(Vector128.Create(q.Slice(half, 16)), shift) & two;
                    var high = Vector128.ShiftLeft(Vector128.ShiftRightLogical(Vector128.Create(hm.Slice(half, 16)), bit) & one, 2);
                    KQuantMath.ScaleLevels(low | high, LevelHalf, dl, y.Slice(o, 16));
                }
            }
        }
    }

    /// <summary>Sub-block <paramref name="j"/>'s signed scale: a nibble of byte j (j &lt; 8) or j−8, 2 bits of byte 8 + j%4.</summary>
    private static int Scale(ReadOnlySpan<byte> packed, int j)
    {
        int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
        return (low | (((packed[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - ScaleHalf;
    }
}
