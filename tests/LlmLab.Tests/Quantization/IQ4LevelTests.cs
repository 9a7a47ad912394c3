using LlmLab.Quantization;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// The IQ4 quantizers' fast level lookup against ggml's <c>best_index_int8</c> written out literally
/// (<see cref="IQ4Quantizer.BestIndexByBisection"/>): every float near every decision point, special values and
/// a spread of ordinary ones.
/// </summary>
public sealed class IQ4LevelTests
{
    private const int UlpsAroundEachPoint = 1 << 12; // rounding can only matter within a few ulps

    [Fact]
    public void The_lookup_picks_ggmls_level_for_every_float_near_each_midpoint_and_level()
    {
        var values = IQ4Quantizer.Values;
        var points = new List<float>();
        for (int i = 0; i < 16; i++) points.Add(values[i]);
        for (int i = 0; i < 15; i++) points.Add((values[i] + values[i + 1]) / 2f);
        foreach (float p in points)
        {
            float x = p;
            for (int u = 0; u < UlpsAroundEachPoint; u++) x = MathF.BitDecrement(x);
            for (int u = 0; u < 2 * UlpsAroundEachPoint; u++, x = MathF.BitIncrement(x))
                Assert.True(IQ4Quantizer.BestIndex(x) == IQ4Quantizer.BestIndexByBisection(x),
                    $"x = {x:R}: lookup {IQ4Quantizer.BestIndex(x)}, ggml {IQ4Quantizer.BestIndexByBisection(x)}");
        }
    }

    [Fact]
    public void The_lookup_picks_ggmls_level_for_special_and_ordinary_values()
    {
        var rng = new Random(3);
        var xs = new List<float> { float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 0f, -0f, float.Epsilon, -float.Epsilon, 1e9f, -1e9f };
        for (int i = 0; i < 1_000_000; i++) xs.Add((float)(rng.NextDouble() * 400 - 200));
        for (int i = 0; i < 100_000; i++) xs.Add((float)(rng.NextDouble() * 2 - 1) * MathF.Pow(10, rng.Next(-40, 39)));
        foreach (float x in xs)
            Assert.True(IQ4Quantizer.BestIndex(x) == IQ4Quantizer.BestIndexByBisection(x),
                $"x = {x:R}: lookup {IQ4Quantizer.BestIndex(x)}, ggml {IQ4Quantizer.BestIndexByBisection(x)}");
    }
}
