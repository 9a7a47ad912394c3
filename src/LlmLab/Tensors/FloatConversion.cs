using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Tensors;

/// <summary>Conversions between the stored weight formats (F32, F16, BF16) and fp32.</summary>
public static unsafe class FloatConversion
{
    /// <summary>bfloat16 bits to fp32 (exact: bf16 is the top half of an fp32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BF16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>fp32 to bfloat16 bits, rounding to nearest even as PyTorch does (NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    /// <summary>
    /// Converts <c>destination.Length</c> elements stored as <paramref name="format"/> at <paramref name="source"/> to fp32;
    /// block formats are decoded by <see cref="Quantization.BlockCodec"/> (the length must be a whole number of blocks).
    /// </summary>
    public static void ToSingle(TensorFormat format, byte* source, Span<float> destination)
    {
        if (format.ElementType() is { } type && type.IsFloatWeight()) { ToSingle(type, source, destination); return; }
        long bytes = format.RowBytes(destination.Length);
        Quantization.BlockCodec.Dequantize(format, new ReadOnlySpan<byte>(source, checked((int)bytes)), destination);
    }

    /// <summary>Converts <c>destination.Length</c> elements of type <paramref name="type"/> at <paramref name="source"/> to fp32.</summary>
    public static void ToSingle(DType type, byte* source, Span<float> destination)
    {
        switch (type)
        {
            case DType.F32:
                new ReadOnlySpan<float>(source, destination.Length).CopyTo(destination);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(source, destination.Length), destination);
                break;
            case DType.BF16:
                BF16ToSingle(new ReadOnlySpan<ushort>(source, destination.Length), destination);
                break;
            default:
                throw new ArgumentException($"{type} is not a floating-point weight type", nameof(type));
        }
    }

    /// <summary>Widens bfloat16 bits to fp32, eight at a time with SIMD.</summary>
    public static void BF16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination too short", nameof(destination));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort s = ref MemoryMarshal.GetReference(source);
            ref float d = ref MemoryMarshal.GetReference(destination);
            for (; i + 8 <= source.Length; i += 8)
            {
                var wide = Vector256.WidenLower(Vector128.LoadUnsafe(ref s, (nuint)i).ToVector256Unsafe());
                (Vector256.ShiftLeft(wide, 16)).AsSingle().StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < source.Length; i++) destination[i] = BF16ToSingle(source[i]);
    }

    /// <summary>Narrows fp32 to bfloat16 bits with round-to-nearest-even.</summary>
    public static void SingleToBF16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = SingleToBF16(source[i]);
    }
}
