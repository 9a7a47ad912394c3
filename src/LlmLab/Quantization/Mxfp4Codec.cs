using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// OCP MXFP4 as ggml stores it (17 bytes per 32 values): e:u8 (E8M0 exponent), qs:u8[16] (nibbles as Q4_0, each an
/// E2M1 code); value = <see cref="Values"/>[nibble] · 2^(e − 128) (the table holds E2M1 values doubled).
/// Quantizer (<c>quantize_row_mxfp4_ref</c>): e = floor(log2(amax)) − 2 + 127, then each value's nearest code
/// (first of equals wins).
/// </summary>
internal sealed class Mxfp4Codec() : GgmlBlockCodec(TensorFormat.MXFP4)
{
    /// <summary>ggml's <c>kvalues_mxfp4</c>: E2M1 codes 0..15 as doubled integers (±0, 0.5, 1, 1.5, 2, 3, 4, 6).</summary>
    public static ReadOnlySpan<sbyte> Values => [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

    // e − 127 = floor(log2 amax) − 2, so amax / 2^(e−127) lies in [4, 8): the block's largest value meets E2M1's
    // top codes (4, 6) and at worst clips to 6 (ggml's choice; the OCP spec's rounding would differ).
    private const int ExponentBias = 127;
    private const int HeadroomBits = 2;

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0;
        for (int j = 0; j < x.Length; j++)
        {
            float a = MathF.Abs(x[j]);
            if (amax < a) amax = a;
        }
        byte e = amax > 0 ? (byte)Truncate(MathF.Floor(MathF.Log2(amax)) - HeadroomBits + ExponentBias) : (byte)0;
        float d = E8M0Half(e);
        y[0] = e;
        var qs = y[1..];
        for (int j = 0; j < 16; j++)
            qs[j] = (byte)(BestIndex(x[j], d) | BestIndex(x[j + 16], d) << 4);
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = E8M0Half(y[0]);
        var values = Values;
        var qs = y[1..];
        for (int j = 0; j < 16; j++)
        {
            x[j] = values[qs[j] & 0x0F] * d;
            x[j + 16] = values[qs[j] >> 4] * d;
        }
    }

    // ggml's best_index_mxfp4: linear scan for the smallest |code · d − x|, the first of equals kept.
    private static int BestIndex(float x, float d)
    {
        var values = Values;
        int best = 0;
        float bestError = MathF.Abs(values[0] * d - x);
        for (int i = 1; i < 16; i++)
        {
            float error = MathF.Abs(values[i] * d - x);
            if (error < bestError) { best = i; bestError = error; }
        }
        return best;
    }
}
