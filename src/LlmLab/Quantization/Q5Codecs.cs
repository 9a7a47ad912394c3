using System.Buffers.Binary;
using LlmLab.Tensors;
using static LlmLab.Quantization.GgmlArithmetic;

namespace LlmLab.Quantization;

/// <summary>
/// ggml Q5_0 (22 bytes per 32 values): d:fp16, qh:u32 (bit j = fifth bit of element j), qs:u8[16] (low four bits,
/// nibbles as Q4_0); value = d · (q − 16). Quantizer (<c>quantize_row_q5_0_ref</c>): d = (the value of largest
/// magnitude, with its sign) / −16, q = min(31, trunc(x/d + 16.5)).
/// </summary>
internal sealed class Q5_0Codec() : GgmlBlockCodec(TensorFormat.Q5_0)
{
    protected override void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0, max = 0;
        for (int j = 0; j < x.Length; j++)
        {
            float a = MathF.Abs(x[j]);
            if (amax < a) { amax = a; max = x[j]; }
        }
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));
        var qs = y[6..];
        uint qh = 0;
        for (int j = 0; j < 16; j++)
        {
            byte lo = (byte)Math.Min(31, TruncateToInt8(x[j] * id + 16.5f));
            byte hi = (byte)Math.Min(31, TruncateToInt8(x[j + 16] * id + 16.5f));
            qs[j] = (byte)((lo & 0x0F) | (hi & 0x0F) << 4);
            qh |= (uint)(lo & 0x10) >> 4 << j;
            qh |= (uint)(hi & 0x10) >> 4 << (j + 16);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(y[2..], qh);
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(y[2..]);
        var qs = y[6..];
        for (int j = 0; j < 16; j++)
        {
            int lo = (qs[j] & 0x0F) | (int)(qh >> j << 4 & 0x10);
            int hi = (qs[j] >> 4) | (int)(qh >> (j + 12) & 0x10);
            x[j] = (lo - 16) * d;
            x[j + 16] = (hi - 16) * d;
        }
    }
}

/// <summary>
/// ggml Q5_1 (24 bytes per 32 values): d:fp16, m:fp16, qh:u32, qs:u8[16] (as Q5_0); value = d · q + m.
/// Quantizer (<c>quantize_row_q5_1_ref</c>): m = min, d = (max − min) / 31, q = trunc((x − min)/d + 0.5)
/// (ggml does not clamp it).
/// </summary>
internal sealed class Q5_1Codec() : GgmlBlockCodec(TensorFormat.Q5_1)
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
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BinaryPrimitives.WriteUInt16LittleEndian(y, ToHalf(d));
        BinaryPrimitives.WriteUInt16LittleEndian(y[2..], ToHalf(min));
        var qs = y[8..];
        uint qh = 0;
        for (int j = 0; j < 16; j++)
        {
            byte lo = (byte)Truncate((x[j] - min) * id + 0.5f);
            byte hi = (byte)Truncate((x[j + 16] - min) * id + 0.5f);
            qs[j] = (byte)((lo & 0x0F) | (hi & 0x0F) << 4);
            qh |= (uint)(lo & 0x10) >> 4 << j;
            qh |= (uint)(hi & 0x10) >> 4 << (j + 16);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(y[4..], qh);
    }

    protected override void DequantizeBlock(ReadOnlySpan<byte> y, Span<float> x)
    {
        float d = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y));
        float m = FromHalf(BinaryPrimitives.ReadUInt16LittleEndian(y[2..]));
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(y[4..]);
        var qs = y[8..];
        for (int j = 0; j < 16; j++)
        {
            int lo = (qs[j] & 0x0F) | (int)(qh >> j << 4 & 0x10);
            int hi = (qs[j] >> 4) | (int)(qh >> (j + 12) & 0x10);
            x[j] = lo * d + m;
            x[j + 16] = hi * d + m;
        }
    }
}
