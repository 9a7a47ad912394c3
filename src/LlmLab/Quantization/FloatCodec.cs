using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>F32, F16 (round to nearest even) and BF16 (round to nearest even, NaN kept quiet) rows.</summary>
internal sealed class FloatCodec(TensorFormat format) : IBlockCodec
{
    public TensorFormat Format { get; } = format;

    public void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        switch (Format)
        {
            case TensorFormat.F32: MemoryMarshal.AsBytes(values).CopyTo(blocks); break;
            case TensorFormat.F16: TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(blocks)); break;
            default:
                var bf = MemoryMarshal.Cast<byte, ushort>(blocks);
                for (int i = 0; i < values.Length; i++) bf[i] = FloatConversion.SingleToBF16(values[i]);
                break;
        }
    }

    public unsafe void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        fixed (byte* p = blocks) FloatConversion.ToSingle(Format.ElementType()!.Value, p, values);
    }
}
