using System.Buffers.Binary;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// FP8 weight rows (<see cref="TensorFormat.FP8"/>, <c>--quant fp8</c>) as llm-compressor's per-channel FP8 and vLLM define
/// them: scale = amax / 448 per output row, codes = float8_e4m3fn(w / scale), w ≈ code · scale; the row's codes then its
/// fp32 scale.
/// </summary>
public sealed class Fp8RowCodecTests
{
    [Fact]
    public void A_row_of_k_elements_takes_k_codes_and_a_four_byte_scale()
    {
        Assert.Equal(4096 + 4, TensorFormat.FP8.RowBytes(4096));
        Assert.Equal(14336L * (4096 + 4), TensorFormat.FP8.ByteCount([14336, 4096]));
        Assert.True(TensorFormat.FP8.IsQuantized());
        Assert.False(TensorFormat.FP8.IsBlockQuantized());
        Assert.True(TensorFormat.FP8.IsWeightFormat());
        Assert.Null(TensorFormat.FP8.GgmlType());
    }

    [Fact]
    public void The_scale_is_the_row_amax_over_448_and_the_largest_magnitude_encodes_to_448()
    {
        float[] row = [0.5f, -3.5f, 1e-3f, 2f, 0f, -0.25f, 3f, 1f];
        var bytes = new byte[TensorFormat.FP8.RowBytes(row.Length)];
        BlockCodec.Quantize(TensorFormat.FP8, row, bytes);
        float scale = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(row.Length));
        Assert.Equal(3.5f / 448f, scale);
        Assert.Equal(0xFE, bytes[1]);   // −448
        for (int i = 0; i < row.Length; i++) Assert.Equal(Fp8E4M3.FromSingle(row[i] / scale), bytes[i]);
    }

    [Fact]
    public void Decoding_multiplies_each_code_by_the_row_scale_and_stays_within_e4m3_rounding()
    {
        var random = new Random(7);
        float[] row = Enumerable.Range(0, 256).Select(_ => (float)(random.NextDouble() * 2 - 1) * 0.05f).ToArray();
        var bytes = new byte[TensorFormat.FP8.RowBytes(row.Length)];
        BlockCodec.Quantize(TensorFormat.FP8, row, bytes);
        var decoded = new float[row.Length];
        BlockCodec.Dequantize(TensorFormat.FP8, bytes, decoded);
        float scale = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(row.Length));
        float amax = row.Max(MathF.Abs);
        for (int i = 0; i < row.Length; i++)
        {
            Assert.Equal(scale * Fp8E4M3.ToSingle(bytes[i]), decoded[i]);
            // E4M3 keeps 3 mantissa bits: a relative error of at most 2⁻⁴ for normals, an absolute 2⁻¹⁰·scale below 2⁻⁶.
            Assert.True(MathF.Abs(decoded[i] - row[i]) <= MathF.Max(MathF.Abs(row[i]) / 16, scale * MathF.ScaleB(1, -10)) * 1.0001f, $"element {i}");
        }
        Assert.Equal(amax, decoded.Max(MathF.Abs), amax * 1e-6f);
    }

    [Fact]
    public void A_row_of_zeros_has_scale_zero_and_decodes_to_zeros()
    {
        var bytes = new byte[TensorFormat.FP8.RowBytes(32)];
        BlockCodec.Quantize(TensorFormat.FP8, new float[32], bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
        var decoded = new float[32];
        BlockCodec.Dequantize(TensorFormat.FP8, bytes, decoded);
        Assert.All(decoded, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Two_rows_in_one_call_are_refused_since_a_scale_covers_one_row()
    {
        var values = new float[64];
        var twoRows = new byte[2 * TensorFormat.FP8.RowBytes(32)];
        var e = Assert.Throws<ArgumentException>(() => BlockCodec.Quantize(TensorFormat.FP8, values, twoRows));
        Assert.Contains("68 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vector_decoding_of_every_code_equals_the_table_times_the_scale()
    {
        // 256 codes, 16 more, and a scalar tail of 3.
        var codes = Enumerable.Range(0, 256).Concat(Enumerable.Range(100, 16)).Select(c => (byte)c).Concat(new byte[] { 0x7E, 0x01, 0x88 }).ToArray();
        foreach (float scale in new[] { 1f, 0.0123f, -2.5f })
        {
            var values = new float[codes.Length];
            Fp8E4M3.DecodeScaled(codes, scale, values);
            for (int i = 0; i < codes.Length; i++)
            {
                float expected = scale * Fp8E4M3.ToSingle(codes[i]);
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(values[i]), $"code 0x{codes[i]:X2}");
                else Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(values[i]));
            }
        }
    }
}
