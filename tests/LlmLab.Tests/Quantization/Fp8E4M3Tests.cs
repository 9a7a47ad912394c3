using LlmLab.Quantization;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// FP8 E4M3 ("fn") against the OCP 8-bit floating point specification's definition and the constants PyTorch reports for
/// <c>torch.float8_e4m3fn</c> (<c>torch.finfo</c>: max 448, smallest normal 2⁻⁶ = 0.015625, eps 0.125; smallest
/// subnormal 2⁻⁹): decoding every code, and rounding to nearest with ties to even, saturating at ±448.
/// </summary>
public sealed class Fp8E4M3Tests
{
    [Theory]
    [InlineData(0x00, 0f)]
    [InlineData(0x01, 0.001953125f)]     // 2⁻⁹, the smallest subnormal
    [InlineData(0x07, 0.013671875f)]     // 7 · 2⁻⁹, the largest subnormal
    [InlineData(0x08, 0.015625f)]        // 2⁻⁶, the smallest normal
    [InlineData(0x38, 1f)]
    [InlineData(0x39, 1.125f)]           // 1 + eps
    [InlineData(0x7E, 448f)]             // the largest finite value
    [InlineData(0xB8, -1f)]
    [InlineData(0xFE, -448f)]
    public void Codes_decode_to_the_values_the_specification_gives(int code, float value) =>
        Assert.Equal(value, Fp8E4M3.ToSingle((byte)code));

    [Fact]
    public void Only_the_all_ones_exponent_and_mantissa_is_nan_and_every_other_code_round_trips()
    {
        for (int code = 0; code < 256; code++)
        {
            float v = Fp8E4M3.ToSingle((byte)code);
            if ((code & 0x7F) == 0x7F) { Assert.True(float.IsNaN(v), $"code 0x{code:X2}"); continue; }
            Assert.False(float.IsNaN(v), $"code 0x{code:X2}");
            int sign = (code >> 7) == 1 ? -1 : 1, e = (code >> 3) & 0xF, m = code & 7;
            double expected = sign * (e == 0 ? m * Math.Pow(2, -9) : (1 + m / 8.0) * Math.Pow(2, e - 7));
            Assert.Equal(expected, v);
            Assert.Equal(code, Fp8E4M3.FromSingle(v));
        }
    }

    [Theory]
    [InlineData(1.0625f, 0x38)]          // halfway between 1 and 1.125: to the even mantissa (1)
    [InlineData(1.1875f, 0x3A)]          // halfway between 1.125 and 1.25: to 1.25 (even)
    [InlineData(1.06250012f, 0x39)]      // just past halfway: up
    [InlineData(0.0009765625f, 0x00)]    // 2⁻¹⁰, halfway between 0 and 2⁻⁹: to 0
    [InlineData(0.0029296875f, 0x02)]    // 3 · 2⁻¹⁰, halfway between 1 and 2 subnormal steps: to 2
    [InlineData(0.0146484375f, 0x08)]    // halfway between the largest subnormal and 2⁻⁶: to 2⁻⁶ (mantissa 0)
    [InlineData(15.5f, 0x58)]            // halfway between 15 (0x57, mantissa 7) and 16 (0x58, mantissa 0): to 16
    [InlineData(432f, 0x7E)]             // halfway between 416 (mantissa 5) and 448 (mantissa 6): to 448
    [InlineData(460f, 0x7E)]             // past 448: saturates
    [InlineData(1e30f, 0x7E)]
    [InlineData(float.PositiveInfinity, 0x7E)]
    [InlineData(-1e30f, 0xFE)]
    [InlineData(-0.0f, 0x80)]
    public void Values_round_to_nearest_even_and_saturate_at_448(float value, int code) =>
        Assert.Equal(code, Fp8E4M3.FromSingle(value));

    [Fact]
    public void Nan_encodes_as_the_nan_code() => Assert.Equal(Fp8E4M3.NaN, Fp8E4M3.FromSingle(float.NaN));
}
