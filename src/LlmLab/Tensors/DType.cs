namespace LlmLab.Tensors;

/// <summary>Element types of tensors in checkpoint files (safetensors names) and on backends.</summary>
public enum DType
{
    /// <summary>IEEE 754 binary32.</summary>
    F32,
    /// <summary>IEEE 754 binary16.</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of an F32.</summary>
    BF16,
    /// <summary>IEEE 754 binary64.</summary>
    F64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>One byte per boolean.</summary>
    Bool,
    /// <summary>FP8 E4M3 (readable as raw bytes only).</summary>
    F8E4M3,
    /// <summary>FP8 E5M2 (readable as raw bytes only).</summary>
    F8E5M2,
}

/// <summary>Sizes and file-format names of <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this DType t) => t switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };

    /// <summary>The dtype's spelling in safetensors headers (e.g. "BF16", "F8_E4M3").</summary>
    public static string SafetensorsName(this DType t) => t switch
    {
        DType.F8E4M3 => "F8_E4M3",
        DType.F8E5M2 => "F8_E5M2",
        DType.Bool => "BOOL",
        _ => t.ToString().ToUpperInvariant(),
    };

    /// <summary>Parses a safetensors dtype name; false for names LlmLab does not read.</summary>
    public static bool TryParseSafetensorsName(string name, out DType type)
    {
        foreach (var t in Enum.GetValues<DType>())
        {
            if (t.SafetensorsName() == name) { type = t; return true; }
        }
        type = default;
        return false;
    }

    /// <summary>True for the floating-point types the model code can compute with.</summary>
    public static bool IsFloatWeight(this DType t) => t is DType.F32 or DType.F16 or DType.BF16;
}
