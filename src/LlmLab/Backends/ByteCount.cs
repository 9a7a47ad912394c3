using System.Globalization;

namespace LlmLab.Backends;

/// <summary>Human-readable byte counts (binary units).</summary>
public static class ByteCount
{
    /// <summary>e.g. "17.08 GiB".</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return v.ToString(u == 0 ? "F0" : "F2", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
