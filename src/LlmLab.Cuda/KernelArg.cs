namespace LlmLab.Cuda;

/// <summary>
/// One kernel parameter, stored in 8 bytes: device pointers and 64-bit integers whole, 32-bit integers and
/// floats in the low 4 bytes (the driver reads each parameter at its declared size; the GPU is little endian).
/// </summary>
internal readonly struct KernelArg
{
    private readonly ulong _bits;

    private KernelArg(ulong bits) => _bits = bits;

    /// <summary>A 32-bit int parameter.</summary>
    public static implicit operator KernelArg(int value) => new((uint)value);

    /// <summary>A 64-bit integer parameter (long long).</summary>
    public static implicit operator KernelArg(long value) => new((ulong)value);

    /// <summary>A float parameter.</summary>
    public static implicit operator KernelArg(float value) => new(BitConverter.SingleToUInt32Bits(value));

    /// <summary>A device pointer (CUdeviceptr; 0 for a null pointer).</summary>
    public static implicit operator KernelArg(ulong pointer) => new(pointer);
}
