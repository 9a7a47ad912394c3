using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// ggml's 32-element codecs (and IQ4_XS) on their own: round trips stay within each format's error bound, and
/// wrong lengths are refused with the format and the sizes named. Byte-exactness against llama.cpp is checked in
/// tests/LlmLab.LlamaCpp.Tests.
/// </summary>
public sealed class LegacyCodecTests
{
    public static TheoryData<TensorFormat> Formats() => new(
        TensorFormat.Q8_0, TensorFormat.Q4_0, TensorFormat.Q4_1, TensorFormat.Q5_0, TensorFormat.Q5_1,
        TensorFormat.IQ4_NL, TensorFormat.IQ4_XS, TensorFormat.MXFP4);

    [Theory]
    [MemberData(nameof(Formats))]
    public void Each_legacy_format_has_a_codec(TensorFormat format)
    {
        Assert.True(BlockCodec.Supports(format));
        Assert.Equal(format, BlockCodec.For(format).Format);
    }

    // Per-value bounds from each format's arithmetic, with amax the block's largest |x| and R = max − min:
    // Q8_0: step amax/127, error ≤ half a step (plus the fp16 rounding of d, up to 127 · 2^-11 steps): 0.6 steps.
    // Q4_0/Q5_0: step amax/8 (amax/16); the value of opposite sign to the extreme clamps one step short: ≤ 1.05 steps.
    // Q4_1/Q5_1: step R/15 (R/31), ≤ 0.6 steps plus the fp16 rounding of the minimum (|min| · 2^-11).
    // MXFP4: scale s = 2^(floor(log2 amax) − 2); E2M1's top code is 6s and amax < 8s, so the error is ≤ 2s.
    // IQ4_NL/IQ4_XS: the table's widest gap is 24 units of d ≈ amax/113…/127 wide: half of it is ≤ 0.11 amax;
    // IQ4_XS's 6-bit sub-block scales add up to 1/64 of the super-block's largest scale: 0.13 amax.
    [Theory]
    [MemberData(nameof(Formats))]
    public void A_round_trip_stays_within_the_formats_error_bound(TensorFormat format)
    {
        var rng = new Random(42);
        var x = new float[64 * TensorFormats.SuperBlock];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)((2 * rng.NextDouble() - 1) * Math.Pow(10, rng.Next(-3, 3)));
        var blocks = new byte[format.RowBytes(x.Length)];
        var y = new float[x.Length];
        BlockCodec.Quantize(format, x, blocks);
        BlockCodec.Dequantize(format, blocks, y);

        int block = format.BlockLength();
        for (int b = 0; b < x.Length / block; b++)
        {
            var xb = x.AsSpan(b * block, block);
            float amax = 0, min = float.MaxValue, max = float.MinValue;
            foreach (var v in xb) { amax = Math.Max(amax, Math.Abs(v)); min = Math.Min(min, v); max = Math.Max(max, v); }
            float bound = format switch
            {
                TensorFormat.Q8_0 => 0.6f * amax / 127,
                TensorFormat.Q4_0 => 1.05f * amax / 8,
                TensorFormat.Q5_0 => 1.05f * amax / 16,
                TensorFormat.Q4_1 => 0.6f * (max - min) / 15 + Math.Abs(min) / 2048,
                TensorFormat.Q5_1 => 0.6f * (max - min) / 31 + Math.Abs(min) / 2048,
                TensorFormat.MXFP4 => 2 * MathF.ScaleB(1, (int)MathF.Floor(MathF.Log2(amax)) - 2),
                TensorFormat.IQ4_NL => 0.11f * amax,
                _ => 0.13f * SuperBlockAmax(x, b * block),
            };
            for (int j = 0; j < block; j++)
                Assert.True(Math.Abs(y[b * block + j] - xb[j]) <= bound,
                    $"{format} block {b} value {j}: {xb[j]:R} came back as {y[b * block + j]:R}; bound {bound:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void An_all_zero_block_decodes_to_zeros(TensorFormat format)
    {
        var x = new float[format.BlockLength()];
        var blocks = new byte[format.BytesPerBlock()];
        var y = new float[x.Length];
        y.AsSpan().Fill(1);
        BlockCodec.Quantize(format, x, blocks);
        BlockCodec.Dequantize(format, blocks, y);
        Assert.All(y, v => Assert.Equal(0f, Math.Abs(v)));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Values_that_are_not_whole_blocks_are_refused_naming_the_format_and_length(TensorFormat format)
    {
        int values = format.BlockLength() + 1;
        var e = Assert.Throws<ArgumentException>(() => BlockCodec.Quantize(format, new float[values], new byte[format.BytesPerBlock() * 2]));
        Assert.Contains(format.ToString(), e.Message);
        Assert.Contains(values.ToString(), e.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_wrong_byte_count_is_refused_naming_the_format_and_both_sizes(TensorFormat format)
    {
        int values = 2 * format.BlockLength(), expected = 2 * format.BytesPerBlock();
        var e = Assert.Throws<ArgumentException>(() => BlockCodec.Dequantize(format, new byte[expected - 1], new float[values]));
        Assert.Equal($"{values} {format} values take {expected} bytes, not {expected - 1}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_codec_used_directly_checks_lengths_too(TensorFormat format)
    {
        int values = 2 * format.BlockLength(), expected = 2 * format.BytesPerBlock();
        var codec = BlockCodec.For(format);
        var e = Assert.Throws<ArgumentException>(() => codec.Quantize(new float[values], new byte[expected + 1]));
        Assert.Equal($"{values} {format} values take {expected} bytes, not {expected + 1}", e.Message);
    }

    private static float SuperBlockAmax(float[] x, int index)
    {
        int start = index / TensorFormats.SuperBlock * TensorFormats.SuperBlock;
        float amax = 0;
        foreach (var v in x.AsSpan(start, TensorFormats.SuperBlock)) amax = Math.Max(amax, Math.Abs(v));
        return amax;
    }
}
