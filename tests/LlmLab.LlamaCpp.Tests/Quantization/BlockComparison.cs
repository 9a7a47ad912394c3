using LlmLab.Tensors;

namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// Assertions that name the first block where LlmLab and ggml part: its index, both encodings in hex and the
/// block's input values (round-trip formatted), so a failure can be replayed by hand.
/// </summary>
internal static class BlockComparison
{
    /// <summary>Asserts byte equality of two encodings of <paramref name="values"/>.</summary>
    public static void SameBytes(TensorFormat format, ReadOnlySpan<float> values, byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int size = format.BytesPerBlock(), length = format.BlockLength();
        int differing = 0, first = -1;
        for (int b = 0; b < expected.Length / size; b++)
        {
            if (expected.AsSpan(b * size, size).SequenceEqual(actual.AsSpan(b * size, size))) continue;
            if (first < 0) first = b;
            differing++;
        }
        if (first < 0) return;
        Assert.Fail(
            $"{format}: {differing} of {expected.Length / size} blocks differ from ggml; first is block {first}\n"
            + $"  ggml:   {Convert.ToHexString(expected, first * size, size)}\n"
            + $"  LlmLab: {Convert.ToHexString(actual, first * size, size)}\n"
            + $"  input:  [{string.Join(", ", values.Slice(first * length, length).ToArray().Select(v => v.ToString("R")))}]");
    }

    /// <summary>Asserts two decodings are the same fp32 values bit for bit (any NaN matches any NaN).</summary>
    public static void SameValues(TensorFormat format, ReadOnlySpan<byte> blocks, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int size = format.BytesPerBlock(), length = format.BlockLength();
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = float.IsNaN(expected[i]) ? float.IsNaN(actual[i])
                : BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]);
            if (same) continue;
            int b = i / length;
            Assert.Fail(
                $"{format}: value {i} (block {b}) decodes to {actual[i]:R} in LlmLab, {expected[i]:R} in ggml\n"
                + $"  block: {Convert.ToHexString(blocks.Slice(b * size, size))}");
        }
    }
}
