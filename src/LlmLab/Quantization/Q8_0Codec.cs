using System.Buffers.Binary;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml Q8_0 (34 bytes per 32 values): d:fp16, qs:int8[32]; value = d · q. Quantizer: d = amax / 127,
/// q = roundf(x / d) (half away from zero), as ggml's <c>quantize_row_q8_0_ref</c>.
/// </summary>
internal sealed class Q8_0Codec() : GgmlBlockCodec(TensorFormat.Q8_0)
{
    private const int Levels = 127; // largest |q|

    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0;
        for (int j = 0; j < x.Length; j++)
        {
            float a = MathF.Abs(x[j]);
            amax = amax > a ? amax : a; // ggml's MAX(amax, a), NaN propagation included
        }
        float d = amax / Levels;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));
        var qs = y[2..];
        for (int j = 0; j < x.Length; j++)
            qs[j] = (byte)Truncate(MathF.Round(x[j] * id, MidpointRounding.AwayFromZero));
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        var qs = y[2..];
        for (int j = 0; j < x.Length; j++) x[j] = (sbyte)qs[j] * d;
    }
}
