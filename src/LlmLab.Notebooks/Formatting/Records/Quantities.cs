using System.Globalization;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Measurements as short, culture-independent text with their units.</summary>
internal static class Quantities
{
    private const double KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;

    /// <summary>Bytes as the engine writes them everywhere (<see cref="LlmLab.Backends.ByteCount.Format"/>): <c>512 B</c>, <c>12.30 MiB</c>, <c>13.48 GiB</c>.</summary>
    public static string Bytes(long bytes) => LlmLab.Backends.ByteCount.Format(bytes);

    /// <summary>Mebibytes rounded to 2 decimals, for table columns and chart values.</summary>
    public static double Mebibytes(long bytes) => Math.Round(bytes / MiB, 2);

    /// <summary>A whole number with thousands separators: <c>6,543,210</c>.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A parameter count in millions or billions, as models are named: <c>6.45 M</c>, <c>6.74 B</c>.</summary>
    public static string Parameters(long count) => count >= 1_000_000_000 ? Invariant($"{count / 1e9:F2} B")
        : count >= 1_000_000 ? Invariant($"{count / 1e6:F2} M") : Count(count);

    /// <summary>Milliseconds: 2 decimals, 3 below 10 ms where latencies differ in the third.</summary>
    public static string Ms(double ms) => ms < 10 ? Invariant($"{ms:F3} ms") : Invariant($"{ms:F2} ms");

    /// <summary>Tokens per second with one decimal.</summary>
    public static string TokensPerSecond(double rate) => Invariant($"{rate:F1} tok/s");

    /// <summary>A fraction as a percentage with one decimal: 0.235 → <c>23.5 %</c>.</summary>
    public static string Percent(double fraction) => Invariant($"{fraction * 100:F1} %");

    /// <summary>Formats in the invariant culture.</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
