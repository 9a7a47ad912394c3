using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>Exact comparisons that name the first block that differs, so a mismatch can be replayed alone.</summary>
internal static class KQuantAssert
{
    /// <summary>Fails unless <paramref name="actual"/> equals <paramref name="expected"/> byte for byte.</summary>
    public static void SameBlocks(TensorFormat format, byte[] expected, byte[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int size = format.BytesPerBlock();
        for (int b = 0; b * size < expected.Length; b++)
        {
            var e = expected.AsSpan(b * size, size);
            var a = actual.AsSpan(b * size, size);
            if (e.SequenceEqual(a)) continue;
            int at = 0;
            while (e[at] == a[at]) at++;
            Assert.Fail($"{format} {what}: block {b} (elements {b * format.BlockLength()}…) first differs at byte {at}: "
                + $"ggml {e[at]:X2}, LlmLab {a[at]:X2}\n ggml:   {Convert.ToHexString(e)}\n LlmLab: {Convert.ToHexString(a)}");
        }
    }

    /// <summary>Fails unless <paramref name="actual"/> has the same fp32 bit patterns as <paramref name="expected"/>.</summary>
    public static void SameFloats(TensorFormat format, float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i])) continue;
            Assert.Fail($"{format} {what}: element {i} (block {i / format.BlockLength()}, offset {i % format.BlockLength()}) "
                + $"ggml {expected[i]:R} ({BitConverter.SingleToInt32Bits(expected[i]):X8}), "
                + $"LlmLab {actual[i]:R} ({BitConverter.SingleToInt32Bits(actual[i]):X8})");
        }
    }
}
