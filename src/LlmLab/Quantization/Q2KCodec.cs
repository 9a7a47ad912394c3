using System.Runtime.Intrinsics;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml's Q2_K, byte-exact with <c>quantize_row_q2_K_ref</c> (what <c>ggml_quantize_chunk</c> runs without an
/// importance matrix) and <c>dequantize_row_q2_K</c>. Block of 256 (84 bytes): scales u8[16] (low nibble: 4-bit
/// scale, high nibble: 4-bit min, one per 16 elements), qs u8[64] (2-bit levels), d and dmin fp16;
/// value = d·scale·q − dmin·min.
/// </summary>
internal sealed class Q2KCodec() : GgmlBlockCodec(TensorFormat.Q2_K)
{
    private const int BlockLength = TensorFormats.SuperBlock;
    private const int SubBlock = 16;
    private const int SubBlocks = BlockLength / SubBlock;
    private const int LevelMax = 3;      // 2-bit levels
    private const float ScaleMax = 15f;  // 4-bit scale and min codes
    private const int QsOffset = 16, DOffset = 80, DminOffset = 82;

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<byte> levels = stackalloc byte[BlockLength];
        Span<float> weights = stackalloc float[SubBlock];
        Span<float> scales = stackalloc float[SubBlocks];
        Span<float> mins = stackalloc float[SubBlocks];

        float maxScale = 0, maxMin = 0; // make_qkx2_quants' scales and mins are never negative
        for (int j = 0; j < SubBlocks; j++)
        {
            var xs = x.Slice(SubBlock * j, SubBlock);
            for (int l = 0; l < SubBlock; l++) weights[l] = MathF.Abs(xs[l]);
            // ggml's search for Q2_K: level counts 2.5 … 4.0 in steps of 0.1, absolute error.
            scales[j] = KQuantMath.MakeQkx2Quants(LevelMax, xs, weights, levels.Slice(SubBlock * j, SubBlock), out mins[j],
                rmin: -0.5f, rdelta: 0.1f, steps: 15, useMad: true);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }

        // ggml stores nearest_int straight into the uint8_t scale byte: keep that wrap-around.
        var sc = y[..SubBlocks];
        if (maxScale > 0)
        {
            float iscale = ScaleMax / maxScale;
            for (int j = 0; j < SubBlocks; j++) sc[j] = (byte)NearestInt(iscale * scales[j]);
            KQuantMath.WriteHalf(y[DOffset..], maxScale / ScaleMax);
        }
        else
        {
            sc.Clear();
            KQuantMath.WriteHalf(y[DOffset..], 0f);
        }
        if (maxMin > 0)
        {
            float iscale = ScaleMax / maxMin;
            for (int j = 0; j < SubBlocks; j++) sc[j] = (byte)(sc[j] | (NearestInt(iscale * mins[j]) << 4));
            KQuantMath.WriteHalf(y[DminOffset..], maxMin / ScaleMax);
        }
        else
        {
            KQuantMath.WriteHalf(y[DminOffset..], 0f);
        }

        // Requantize against the stored (fp16, 4-bit) scales; a sub-block whose scale rounds to 0 keeps its fit.
        float dAll = KQuantMath.ReadHalf(y[DOffset..]), dminAll = KQuantMath.ReadHalf(y[DminOffset..]);
        for (int j = 0; j < SubBlocks; j++)
        {
            float d = dAll * (sc[j] & 0xF);
            if (d == 0) continue;
            float dm = dminAll * (sc[j] >> 4);
            for (int i = 0; i < SubBlock; i++)
            {
                int l = NearestInt((x[SubBlock * j + i] + dm) / d);
                levels[SubBlock * j + i] = (byte)Math.Max(0, Math.Min(LevelMax, l));
            }
        }

        // Each 32-byte group of qs holds 4 runs of 32 elements, run k in bits 2k..2k+1.
        var qs = y.Slice(QsOffset, BlockLength / 4);
        for (int j = 0; j < BlockLength; j += 128)
            for (int l = 0; l < 32; l++)
                qs[j / 4 + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 2) | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = KQuantMath.ReadHalf(block[DOffset..]), min = KQuantMath.ReadHalf(block[DminOffset..]);
        var sc = block[..SubBlocks];
        var q = block.Slice(QsOffset, BlockLength / 4);
        var two = Vector128.Create((byte)3);
        int s = 0, o = 0;
        // Each 32 bytes of qs hold 8 sub-blocks of 16: bits 2k..2k+1 of bytes 0–15, then of bytes 16–31.
        for (int n = 0; n < BlockLength; n += 128, q = q[32..])
        {
            for (int shift = 0; shift < 8; shift += 2)
            {
                for (int half = 0; half < 32; half += 16, s++, o += 16)
                {
                    var dl = Vector128.Create(d * (sc[s] & 0xF));
                    var ml = Vector128.Create(min * (sc[s] >> 4));
                    var levels = Vector128.ShiftRightLogical(Vector128.Create(q.Slice(half, 16)), shift) & two;
                    KQuantMath.ScaleLevels(levels, dl, ml, y.Slice(o, 16));
                }
            }
        }
    }
}
