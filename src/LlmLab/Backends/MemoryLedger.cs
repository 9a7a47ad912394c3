namespace LlmLab.Backends;

/// <summary>
/// Bytes a device holds, by <see cref="MemoryCategory"/>, and the peak of the total. Every backend
/// allocation goes through one of these, so measured figures use the same categories as plans.
/// Thread-safe.
/// </summary>
public sealed class MemoryLedger(string device)
{
    private readonly long[] _current = new long[Enum.GetValues<MemoryCategory>().Length];
    private readonly object _gate = new();
    private long _peak;

    /// <summary>Device this ledger accounts for.</summary>
    public string Device { get; } = device;

    /// <summary>Bytes held now in <paramref name="category"/>.</summary>
    public long this[MemoryCategory category] { get { lock (_gate) return _current[(int)category]; } }

    /// <summary>Bytes held now in all categories.</summary>
    public long Total { get { lock (_gate) return _current.Sum(); } }

    /// <summary>Highest <see cref="Total"/> seen.</summary>
    public long Peak { get { lock (_gate) return _peak; } }

    /// <summary>Records an allocation.</summary>
    public void Add(MemoryCategory category, long bytes)
    {
        lock (_gate)
        {
            _current[(int)category] += bytes;
            _peak = Math.Max(_peak, _current.Sum());
        }
    }

    /// <summary>Records a release.</summary>
    public void Remove(MemoryCategory category, long bytes)
    {
        lock (_gate) _current[(int)category] -= bytes;
    }

    /// <summary>
    /// The one way a <see cref="MemoryReport"/> is made: what this ledger holds by category and its peak, beside what
    /// the driver (or the OS, on the CPU) says is free now, the device's size, and what was free when the backend started.
    /// </summary>
    public MemoryReport Report(long driverFreeBytes, long driverTotalBytes, long driverFreeAtStartBytes)
    {
        lock (_gate)
            return new MemoryReport(Device, _current[(int)MemoryCategory.Weights], _current[(int)MemoryCategory.KvCache],
                _current[(int)MemoryCategory.Activations], _current[(int)MemoryCategory.Other], _current.Sum(), _peak,
                driverFreeBytes, driverTotalBytes, driverFreeAtStartBytes);
    }

    /// <summary>Current bytes by category.</summary>
    public IReadOnlyDictionary<MemoryCategory, long> Snapshot()
    {
        lock (_gate) return Enum.GetValues<MemoryCategory>().ToDictionary(c => c, c => _current[(int)c]);
    }
}
