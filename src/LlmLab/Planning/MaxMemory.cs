using System.Globalization;

namespace LlmLab.Planning;

/// <summary>
/// <c>--max-memory cuda:0=20GiB,cuda:1=20GiB,cpu=64GiB</c>: the most each device may hold under an automatic device map
/// (<see cref="AutoDeviceMap"/>), as accelerate's <c>max_memory</c> (utils/modeling.py, <c>convert_file_size_to_int</c>):
/// binary units KiB/MiB/GiB/TiB, decimal KB/MB/GB/TB and B, a decimal fraction allowed (<c>1.5GiB</c>), a unit required
/// (accelerate refuses a bare number in a string too). A device is <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, or N alone
/// (accelerate's integer GPU keys). Unlike accelerate, a lower-case <c>b</c> never means bits: every unit is bytes.
/// </summary>
public static class MaxMemory
{
    /// <summary>Largest budget accepted: 1 PiB, past any device's memory; keeps the byte count far from overflowing a long.</summary>
    public const long MaxBytes = 1L << 50;

    /// <summary>Most entries a value may hold (as <see cref="DeviceMap.CheckDevice(string)"/> bounds N in cuda:N).</summary>
    private const int MaxEntries = 1025;

    private static readonly (string Suffix, long Bytes)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ];

    /// <summary>Parses a <c>--max-memory</c> value into device → bytes, in the order given.</summary>
    /// <param name="text">Comma-separated <c>DEVICE=SIZE</c> entries.</param>
    /// <param name="gpuCount">GPUs given, when known: a <c>cuda:N</c> beyond them is an error.</param>
    /// <exception cref="InvalidOptionException">Empty, an entry without '=', an unknown device, a GPU beyond those given, a device twice, a size without a known unit, not a number, negative, or above <see cref="MaxBytes"/>.</exception>
    public static IReadOnlyDictionary<string, long> Parse(string text, int? gpuCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string Example = "e.g. --max-memory cuda:0=20GiB,cuda:1=20GiB,cpu=64GiB";
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidOptionException($"--max-memory is empty; give DEVICE=SIZE pairs, {Example}");
        var entries = text.Split(',', StringSplitOptions.TrimEntries);
        if (entries.Length > MaxEntries) throw new InvalidOptionException($"--max-memory names {entries.Length} devices; at most {MaxEntries}");
        var budgets = new Dictionary<string, long>();
        foreach (string entry in entries)
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
                throw new InvalidOptionException($"--max-memory entry '{entry}' is not DEVICE=SIZE; {Example}");
            string name = entry[..equals].Trim(), size = entry[(equals + 1)..].Trim();
            string device = int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? $"cuda:{index}" : name;
            device = DeviceMap.CheckDevice(device, gpuCount, $"--max-memory entry '{entry}'");
            if (budgets.ContainsKey(device))
                throw new InvalidOptionException($"--max-memory names {device} twice ('{text}'); give each device once");
            budgets[device] = ParseSize(size, entry);
        }
        return budgets;
    }

    /// <summary>"20GiB" → 21474836480; "1.5GB" → 1500000000.</summary>
    /// <exception cref="InvalidOptionException">No known unit, not a number, negative, or above <see cref="MaxBytes"/>.</exception>
    private static long ParseSize(string size, string entry)
    {
        ArgumentNullException.ThrowIfNull(size);
        foreach (var (suffix, bytes) in Units)
        {
            if (!size.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
            string number = size[..^suffix.Length].Trim();
            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out decimal value))
                throw new InvalidOptionException($"--max-memory entry '{entry}': '{number}' is not a number; write e.g. 20GiB or 1.5GB");
            if (value < 0) throw new InvalidOptionException($"--max-memory entry '{entry}': the size must not be negative");
            if (value > MaxBytes / (decimal)bytes)
                throw new InvalidOptionException($"--max-memory entry '{entry}' is above {MaxBytes / (1L << 40)} TiB, larger than any device");
            return (long)(value * bytes);
        }
        throw new InvalidOptionException($"--max-memory entry '{entry}': size '{size}' needs a unit (B, KB, MB, GB, TB, KiB, MiB, GiB or TiB), e.g. 20GiB");
    }
}
