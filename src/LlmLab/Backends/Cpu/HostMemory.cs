namespace LlmLab.Backends.Cpu;

/// <summary>Available and total RAM: /proc/meminfo where it exists (Linux), else what the GC sees.</summary>
internal static class HostMemory
{
    public static (long Available, long Total) Read()
    {
        try
        {
            long available = -1, total = -1;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = Kilobytes(line);
                else if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = Kilobytes(line);
            }
            if (available >= 0 && total > 0) return (available, total);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var gc = GC.GetGCMemoryInfo();
        return (gc.TotalAvailableMemoryBytes - gc.MemoryLoadBytes, gc.TotalAvailableMemoryBytes);
    }

    // "MemAvailable:   12345678 kB"
    private static long Kilobytes(string line) =>
        long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out long kb) ? kb * 1024 : -1;
}
