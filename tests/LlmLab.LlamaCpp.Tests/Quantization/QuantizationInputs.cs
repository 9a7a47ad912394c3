namespace LlmLab.LlamaCpp.Tests.Quantization;

/// <summary>
/// Rows to quantize, by kind, from fixed seeds (System.Random(seed) is deterministic across .NET versions):
/// weight-like and adversarial data for the codecs' cross-checks. Every kind has <see cref="Length"/> values,
/// so any row length that divides it (32 … 512) and every block type applies.
/// </summary>
internal static class QuantizationInputs
{
    /// <summary>Values per kind: 16 rows of 512, a whole number of IQ4_XS super-blocks (256).</summary>
    public const int Length = 8192;

    /// <summary>The kinds <see cref="Make"/> knows.</summary>
    public static readonly string[] Kinds =
    [
        "gaussian", "uniform", "outliers", "zero-blocks", "tiny", "huge", "ties", "powers-of-two", "constant-blocks", "mixed-scales", "non-finite", "random-bits",
    ];

    /// <summary>The values of one kind (seeded by the kind's position in <see cref="Kinds"/>).</summary>
    public static float[] Make(string kind)
    {
        int seed = Array.IndexOf(Kinds, kind);
        if (seed < 0) throw new ArgumentException($"unknown input kind '{kind}'; known: {string.Join(", ", Kinds)}", nameof(kind));
        var rng = new Random(1000 + seed);
        var x = new float[Length];
        switch (kind)
        {
            case "gaussian": // weight-like: N(0, 0.02²)
                for (int i = 0; i < x.Length; i++) x[i] = 0.02f * Gaussian(rng);
                break;
            case "uniform":
                for (int i = 0; i < x.Length; i++) x[i] = (float)(2 * rng.NextDouble() - 1);
                break;
            case "outliers": // 1% of values 50–200× the rest, either sign
                for (int i = 0; i < x.Length; i++)
                    x[i] = Gaussian(rng) * (rng.Next(100) == 0 ? 50f + 150f * (float)rng.NextDouble() : 1f);
                break;
            case "zero-blocks": // whole blocks of +0 or −0, blocks with one non-zero, the rest gaussian
                for (int b = 0; b < x.Length / 32; b++)
                {
                    var block = x.AsSpan(b * 32, 32);
                    switch (b % 5)
                    {
                        case 0: block.Clear(); break;
                        case 1: block.Fill(-0.0f); break;
                        case 2: block.Clear(); block[rng.Next(32)] = Gaussian(rng); break;
                        default: for (int j = 0; j < 32; j++) block[j] = Gaussian(rng); break;
                    }
                }
                break;
            case "tiny": // scales from 1e-10 down to fp32 subnormals, and around ggml's 1e-15 "all zero" threshold
                for (int b = 0; b < x.Length / 32; b++)
                {
                    float scale = (b % 8) switch
                    {
                        0 => 1e-10f, 1 => 1e-15f, 2 => 2e-15f, 3 => 5e-16f, 4 => 1e-20f, 5 => 1e-30f, 6 => 1e-38f, _ => 1e-42f,
                    };
                    for (int j = 0; j < 32; j++) x[b * 32 + j] = scale * Gaussian(rng);
                }
                break;
            case "huge": // up to fp32's limit: fp16 scales overflow to infinity, max − min overflows
                for (int b = 0; b < x.Length / 32; b++)
                {
                    float scale = (b % 6) switch { 0 => 1e4f, 1 => 7e4f, 2 => 1e10f, 3 => 1e30f, 4 => 1e38f, _ => 3e38f };
                    for (int j = 0; j < 32; j++) x[b * 32 + j] = Math.Clamp(scale * Gaussian(rng), -float.MaxValue, float.MaxValue);
                }
                break;
            case "ties": // values on halves of small grids, so x/d lands on rounding ties
                for (int b = 0; b < x.Length / 32; b++)
                {
                    int levels = (b % 4) switch { 0 => 127, 1 => 8, 2 => 16, _ => 31 };
                    float step = (b % 3) switch { 0 => 1f, 1 => 0.5f, _ => 0.125f };
                    for (int j = 0; j < 32; j++) x[b * 32 + j] = step * (rng.Next(-2 * levels, 2 * levels + 1) / 2f);
                    x[b * 32 + rng.Next(32)] = step * levels * (rng.Next(2) == 0 ? 1 : -1);
                }
                break;
            case "powers-of-two": // block maxima exactly at, just below and just above powers of two (MXFP4's log2)
                for (int b = 0; b < x.Length / 32; b++)
                {
                    var block = x.AsSpan(b * 32, 32);
                    float top = MathF.ScaleB(1f, rng.Next(-30, 30));
                    for (int j = 0; j < 32; j++) block[j] = top * (float)(2 * rng.NextDouble() - 1);
                    float edge = (b % 3) switch { 0 => top, 1 => MathF.BitDecrement(top), _ => MathF.BitIncrement(top) };
                    block[rng.Next(32)] = rng.Next(2) == 0 ? edge : -edge;
                }
                break;
            case "constant-blocks": // every value equal within a block (max == min)
                for (int b = 0; b < x.Length / 32; b++) x.AsSpan(b * 32, 32).Fill(Gaussian(rng));
                break;
            case "mixed-scales": // each 32-block its own magnitude, 1e-6 … 1e3, as across an IQ4_XS super-block
                for (int b = 0; b < x.Length / 32; b++)
                {
                    float scale = MathF.Pow(10, rng.Next(-6, 4));
                    for (int j = 0; j < 32; j++) x[b * 32 + j] = scale * Gaussian(rng);
                }
                break;
            case "non-finite": // NaN and ±infinity among gaussian values: ggml writes defined bytes for them too
                for (int i = 0; i < x.Length; i++)
                    x[i] = rng.Next(40) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, _ => Gaussian(rng) };
                break;
            case "random-bits": // any finite fp32, every exponent equally likely: blocks spanning 2^-149 … 2^127
                for (int i = 0; i < x.Length; i++)
                {
                    float v;
                    do v = BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)); while (!float.IsFinite(v));
                    x[i] = v;
                }
                break;
        }
        return x;
    }

    // Box–Muller; one standard normal sample.
    private static float Gaussian(Random rng)
    {
        double u = 1 - rng.NextDouble(), v = rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
    }
}
