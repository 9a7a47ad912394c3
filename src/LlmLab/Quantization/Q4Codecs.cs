using System.Buffers.Binary;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml Q4_0 (18 bytes per 32 values): d:fp16, qs:u8[16]; element j in the low nibble of qs[j], element j+16 in
/// the high nibble; value = d · (nibble − 8). Quantizer (<c>quantize_row_q4_0_ref</c>): d = (the value of largest
/// magnitude, with its sign) / −8, nibble = min(15, trunc(x/d + 8.5)).
/// </summary>
internal sealed class Q4_0Codec() : GgmlBlockCodec(TensorFormat.Q4_0)
{
    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0, max = 0;
        for (int j = 0; j < x.Length; j++)
        {
            float a = MathF.Abs(x[j]);
            if (amax < a) { amax = a; max = x[j]; }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));
        var qs = y[2..];
        for (int j = 0; j < 16; j++)
        {
            int lo = Math.Min(15, TruncateToInt8(x[j] * id + 8.5f));
            int hi = Math.Min(15, TruncateToInt8(x[j + 16] * id + 8.5f));
            qs[j] = (byte)((byte)lo | (byte)hi << 4);
        }
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        var qs = y[2..];
        for (int j = 0; j < 16; j++)
        {
            x[j] = ((qs[j] & 0x0F) - 8) * d;
            x[j + 16] = ((qs[j] >> 4) - 8) * d;
        }
    }
}

/// <summary>
/// ggml Q4_1 (20 bytes per 32 values): d:fp16, m:fp16, qs:u8[16] (nibbles as Q4_0); value = d · nibble + m.
/// Quantizer (<c>quantize_row_q4_1_ref</c>): m = min, d = (max − min) / 15, nibble = min(15, trunc((x − min)/d + 0.5)).
/// </summary>
internal sealed class Q4_1Codec() : GgmlBlockCodec(TensorFormat.Q4_1)
{
    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        float min = float.MaxValue, max = -float.MaxValue;
        for (int j = 0; j < x.Length; j++)
        {
            float v = x[j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));
        BinaryPrimitives.WriteUInt16LittleEndian(y[2..], ToHalf(min));
        var qs = y[4..];
        for (int j = 0; j < 16; j++)
        {
            int lo = Math.Min(15, TruncateToInt8((x[j] - min) * id + 0.5f));
            int hi = Math.Min(15, TruncateToInt8((x[j + 16] - min) * id + 0.5f));
            qs[j] = (byte)((byte)lo | (byte)hi << 4);
        }
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        float m = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y[2..]));
        var qs = y[4..];
        for (int j = 0; j < 16; j++)
        {
            x[j] = (qs[j] & 0x0F) * d + m;
            x[j + 16] = (qs[j] >> 4) * d + m;
        }
    }
}
