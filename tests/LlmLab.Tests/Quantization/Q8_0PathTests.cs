using LlmLab.Quantization;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// Q8_0's Vector256 paths against its scalar ones (ggml's loops as written, which the llama.cpp cross-check holds
/// byte-exact): the same bytes and values on ordinary, tie, extreme and infinite inputs.
/// </summary>
public sealed class Q8_0PathTests
{
    [Fact]
    public void The_vector_quantizer_writes_the_scalar_quantizers_bytes()
    {
        var rng = new Random(11);
        var x = new float[32];
        Span<byte> scalar = stackalloc byte[34], vector = stackalloc byte[34];
        for (int block = 0; block < 20_000; block++)
        {
            float scale = MathF.Pow(10, rng.Next(-40, 39));
            for (int j = 0; j < 32; j++)
                x[j] = (block % 4) switch
                {
                    0 => scale * (float)(2 * rng.NextDouble() - 1),
                    1 => rng.Next(-254, 255) / 2f,                 // halves: rounding ties once amax is 127
                    2 => rng.Next(10) == 0 ? float.PositiveInfinity : (float)rng.NextDouble(),
                    _ => rng.Next(3) == 0 ? -0f : float.MaxValue * (float)(2 * rng.NextDouble() - 1),
                };
            Q8_0Codec.QuantizeScalar(x, scalar);
            Assert.True(Q8_0Codec.QuantizeVector(x, vector));
            Assert.True(scalar.SequenceEqual(vector),
                $"block {block}: scalar {Convert.ToHexString(scalar)}, vector {Convert.ToHexString(vector)}");
        }
    }

    [Fact]
    public void The_vector_quantizer_leaves_a_block_with_NaN_to_the_scalar_one()
    {
        var x = new float[32];
        x[5] = float.NaN;
        Assert.False(Q8_0Codec.QuantizeVector(x, new byte[34]));
    }

    [Fact]
    public void The_vector_dequantizer_gives_the_scalar_dequantizers_values()
    {
        var rng = new Random(12);
        var block = new byte[34];
        float[] scalar = new float[32], vector = new float[32];
        for (int i = 0; i < 20_000; i++)
        {
            rng.NextBytes(block);
            Q8_0Codec.DequantizeScalar(block, scalar);
            Q8_0Codec.DequantizeVector(block, vector);
            for (int j = 0; j < 32; j++)
                Assert.True(scalar[j].Equals(vector[j]) && float.IsNegative(scalar[j]) == float.IsNegative(vector[j]),
                    $"block {Convert.ToHexString(block)} value {j}: scalar {scalar[j]:R}, vector {vector[j]:R}");
        }
    }
}
