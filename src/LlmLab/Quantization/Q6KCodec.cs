using System.Runtime.Intrinsics;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml's Q6_K, byte-exact with <c>quantize_row_q6_K_ref</c> (what <c>ggml_quantize_chunk</c> runs without an
/// importance matrix) and <c>dequantize_row_q6_K</c>. Block of 256 (210 bytes): ql u8[128] (low 4 bits), qh u8[64]
/// (high 2 bits), scales i8[16] (one per 16 elements), d fp16; value = d·scale·(q − 32). Within each half of 128,
/// element l + 32k has its low bits in ql[l + 32·(k%2)] (nibble k/2) and its high bits in bits 2k of qh[l].
/// </summary>
internal sealed class Q6KCodec() : GgmlBlockCodec(TensorFormat.Q6_K)
{
    private const int BlockLength = TensorFormats.SuperBlock;
    private const int SubBlock = 16;
    private const int SubBlocks = BlockLength / SubBlock;
    private const int LevelHalf = 32;      // levels −32 … 31
    private const float ScaleRange = -128f; // int8 scales; the largest-magnitude scale maps to −128
    private const int QhOffset = 128, ScalesOffset = 192, DOffset = 208;

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        Span<sbyte> levels = stackalloc sbyte[BlockLength];
        Span<float> scales = stackalloc float[SubBlocks];

        float maxScale = 0, maxAbsScale = 0;
        for (int j = 0; j < SubBlocks; j++)
        {
            float scale = KQuantMath.MakeQxQuants(LevelHalf, x.Slice(SubBlock * j, SubBlock), levels.Slice(SubBlock * j, SubBlock));
            scales[j] = scale;
            float absScale = MathF.Abs(scale);
            if (absScale > maxAbsScale) { maxAbsScale = absScale; maxScale = scale; }
        }
        if (maxAbsScale < KQuantMath.GroupMaxEps)
        {
            y.Clear();
            return;
        }

        float iscale = ScaleRange / maxScale;
        KQuantMath.WriteHalf(y[DOffset..], 1 / iscale);
        var sc = y.Slice(ScalesOffset, SubBlocks);
        for (int j = 0; j < SubBlocks; j++)
            sc[j] = (byte)(sbyte)Math.Min(127, NearestInt(iscale * scales[j])); // int8_t store: low byte kept

        // Requantize against the stored scales; a sub-block whose scale is 0 keeps its fit.
        float dAll = KQuantMath.ReadHalf(y[DOffset..]);
        for (int j = 0; j < SubBlocks; j++)
        {
            float d = dAll * (sbyte)sc[j];
            if (d == 0) continue;
            for (int i = 0; i < SubBlock; i++)
            {
                int l = NearestInt(x[SubBlock * j + i] / d);
                levels[SubBlock * j + i] = (sbyte)(Math.Max(-LevelHalf, Math.Min(LevelHalf - 1, l)) + LevelHalf);
            }
        }

        var ql = y[..QhOffset];
        var qh = y.Slice(QhOffset, 64);
        for (int j = 0; j < BlockLength; j += 128, ql = ql[64..], qh = qh[32..])
        {
            for (int l = 0; l < 32; l++)
            {
                int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                ql[l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = KQuantMath.ReadHalf(block[DOffset..]);
        var ql = block[..QhOffset];
        var qh = block.Slice(QhOffset, 64);
        var sc = block.Slice(ScalesOffset, SubBlocks);
        var nibble = Vector128.Create((byte)0xF);
        var two = Vector128.Create((byte)3);
        // Per half of 128: runs k = 0…3 of 32 elements; run k's low nibble is in ql[32·(k%2) …] (nibble k/2), its
        // top 2 bits in bits 2k of qh. 16 elements at a time share one scale; value = (d·scale)·(q − 32).
        for (int n = 0; n < BlockLength; n += 128, ql = ql[64..], qh = qh[32..], sc = sc[8..])
        {
            for (int l = 0; l < 32; l += 16)
            {
                int s = l / 16;
                var low0 = Vector128.Create(ql.Slice(l, 16));
                var low1 = Vector128.Create(ql.Slice(l + 32, 16));
                var high = Vector128.Create(qh.Slice(l, 16));
                var q1 = (low0 & nibble) | Vector128.ShiftLeft(high & two, 4);
                var q2 = (low1 & nibble) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(high, 2) & two, 4);
                var q3 = Vector128.ShiftRightLogical(low0, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(high, 4) & two, 4);
                var q4 = Vector128.ShiftRightLogical(low1, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(high, 6) & two, 4);
                KQuantMath.ScaleLevels(q1, LevelHalf, Vector128.Create(d * (sbyte)sc[s]), y.Slice(n + l, 16));
                KQuantMath.ScaleLevels(q2, LevelHalf, Vector128.Create(d * (sbyte)sc[s + 2]), y.Slice(n + l + 32, 16));
                KQuantMath.ScaleLevels(q3, LevelHalf, Vector128.Create(d * (sbyte)sc[s + 4]), y.Slice(n + l + 64, 16));
                KQuantMath.ScaleLevels(q4, LevelHalf, Vector128.Create(d * (sbyte)sc[s + 6]), y.Slice(n + l + 96, 16));
            }
        }
    }
}
