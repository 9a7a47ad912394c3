using System.Runtime.CompilerServices;
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

    // The OCP MX shared-exponent rule with E2M1's largest exponent (2): e − 127 = floor(log2 amax) − 2, so
    // amax / 2^(e−127) lies in [4, 8) and values above E2M1's top code 6 saturate to ±6.
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
        // The 16 code values in this block's scale: ggml forms each product per comparison; forming it once is the
        // same fp32 product.
        Span<float> levels = stackalloc float[16];
        var values = Values;
        for (int i = 0; i < 16; i++) levels[i] = values[i] * d;
        var qs = y[1..];
        for (int j = 0; j < 16; j++)
            qs[j] = (byte)(BestIndex(x[j], levels) | BestIndex(x[j + 16], levels) << 4);
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

    // ggml's best_index_mxfp4: linear scan for the smallest |level − x|, the first of equals kept.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BestIndex(float x, ReadOnlySpan<float> levels)
    {
        int best = 0;
        float bestError = MathF.Abs(levels[0] - x);
        for (int i = 1; i < 16; i++)
        {
            float error = MathF.Abs(levels[i] - x);
            bool better = error < bestError; // selects rather than branches: random data mispredicts a branch
            best = better ? i : best;
            bestError = better ? error : bestError;
        }
        return best;
    }
}
