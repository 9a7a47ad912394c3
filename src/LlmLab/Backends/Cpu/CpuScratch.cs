namespace LlmLab.Backends.Cpu;

/// <summary>
/// Per-thread scratch arrays that grow to the largest size asked for and are then reused, so the ops of
/// a forward step allocate nothing per row or per task (attention scores, SwiGLU's sigmoid row, widened
/// weight tiles, quantized activations). A caller must not hold two spans of the same slot at once.
/// </summary>
internal static class CpuScratch
{
    [ThreadStatic] private static float[]? _floatsA;
    [ThreadStatic] private static float[]? _floatsB;
    [ThreadStatic] private static sbyte[]? _bytes;

    /// <summary>A span of <paramref name="length"/> floats (contents undefined), slot A.</summary>
    public static Span<float> FloatsA(int length) => Grow(ref _floatsA, length).AsSpan(0, length);

    /// <summary>A span of <paramref name="length"/> floats (contents undefined), slot B.</summary>
    public static Span<float> FloatsB(int length) => Grow(ref _floatsB, length).AsSpan(0, length);

    /// <summary>A span of <paramref name="length"/> signed bytes (contents undefined).</summary>
    public static Span<sbyte> Bytes(int length) => Grow(ref _bytes, length).AsSpan(0, length);

    private static T[] Grow<T>(ref T[]? array, int length)
    {
        if (array is null || array.Length < length) array = GC.AllocateUninitializedArray<T>(Math.Max(length, (array?.Length ?? 0) * 2), pinned: true);
        return array;
    }
}
