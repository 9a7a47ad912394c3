using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmLab.Backends;

namespace LlmLab.Reproducibility;

/// <summary>
/// The machine and software a study ran on, recorded in every report and executed notebook so a figure can be
/// traced to what produced it: LlmLab's version and commit, .NET, the OS, CPU model and cores, RAM, and each GPU with
/// its driver, CUDA library versions, maximum clocks and power limit (or why there is none).
/// </summary>
/// <param name="LlmLabVersion">LlmLab's version (e.g. <c>1.0.0</c>).</param>
/// <param name="Commit">The git commit LlmLab was built from, or <see cref="Unknown"/> when built outside a git checkout.</param>
/// <param name="DotNet">The .NET runtime (e.g. <c>.NET 10.0.1</c>).</param>
/// <param name="OperatingSystem">OS description and process architecture.</param>
/// <param name="CpuModel">CPU model name (<c>/proc/cpuinfo</c>), or <see cref="Unknown"/>.</param>
/// <param name="CpuCores">Logical processors this process may use.</param>
/// <param name="MemoryBytes">Physical memory (<c>/proc/meminfo</c> MemTotal), or the runtime's view of available memory elsewhere.</param>
/// <param name="Gpus">GPUs a GPU backend of this build can use (empty when none).</param>
/// <param name="WhyNoGpu">When <paramref name="Gpus"/> is empty: why (no GPU backend, no driver, no device).</param>
public sealed record EnvironmentFingerprint(
    string LlmLabVersion, string Commit, string DotNet, string OperatingSystem, string CpuModel, int CpuCores, long MemoryBytes,
    IReadOnlyList<GpuDevice> Gpus, string? WhyNoGpu)
{
    /// <summary>What a fact reads when it could not be found.</summary>
    public const string Unknown = "unknown";

    /// <summary>JSON as written into notebooks: camelCase, nulls left out.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    /// <summary>Reads the facts of this machine now, surveying GPUs through <paramref name="devices"/> (null: <see cref="DeviceCatalog.Default"/>).</summary>
    public static EnvironmentFingerprint Capture(DeviceCatalog? devices = null)
    {
        var (version, commit) = BuildVersion(typeof(EnvironmentFingerprint).Assembly);
        GpuInventory gpus;
        try
        {
            gpus = (devices ?? DeviceCatalog.Default).SurveyGpus();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fingerprint must never stop a study; a GPU survey that throws is recorded as the reason there is none.
            gpus = new GpuInventory([], $"the GPU survey failed: {e.Message}");
        }

        return new EnvironmentFingerprint(
            version, commit, RuntimeInformation.FrameworkDescription,
            $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
            CpuModelName(), Environment.ProcessorCount, PhysicalMemoryBytes(), gpus.Gpus, gpus.Any ? null : gpus.WhyNone);
    }

    /// <summary>
    /// The version and commit in an assembly's informational version, which the .NET SDK writes as
    /// <c>VERSION+COMMIT</c> when it builds inside a git checkout (SourceRevisionId); without one the commit is <see cref="Unknown"/>.
    /// </summary>
    public static (string Version, string Commit) BuildVersion(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? Unknown;
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, Unknown) : (informational[..plus], informational[(plus + 1)..]);
    }

    /// <summary>The facts as label/value lines, in the order a report shows them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Describe()
    {
        var lines = new List<KeyValuePair<string, string>>
        {
            new("LlmLab", $"{LlmLabVersion} (commit {Commit})"),
            new(".NET", DotNet),
            new("OS", OperatingSystem),
            new("CPU", $"{CpuModel}, {CpuCores} logical cores"),
            new("RAM", ByteCount.Format(MemoryBytes)),
        };
        if (Gpus.Count == 0) lines.Add(new("GPU", $"none ({WhyNoGpu ?? "no GPU found"})"));
        foreach (var gpu in Gpus) lines.Add(new($"GPU {gpu.Device}", DescribeGpu(gpu)));
        return lines;
    }

    /// <summary>The fingerprint as JSON (<see cref="JsonOptions"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static string DescribeGpu(GpuDevice gpu)
    {
        var parts = new List<string> { gpu.Name, ByteCount.Format(gpu.MemoryTotalBytes) };
        if (gpu.ComputeCapability is { } cc) parts.Add($"compute {cc}");
        if (gpu.Details is { } d)
        {
            if (d.DriverVersion is { } driver) parts.Add($"driver {driver}");
            if (d.CudaDriverVersion is { } cuda) parts.Add($"CUDA {cuda}");
            parts.AddRange(d.Libraries.Select(l => $"{l.Key} {l.Value}"));
            if (d.MaxSmClockMHz is { } sm) parts.Add($"max SM clock {sm} MHz");
            if (d.MaxMemoryClockMHz is { } mem) parts.Add($"max memory clock {mem} MHz");
            if (d.PowerLimitWatts is { } watts) parts.Add(string.Create(CultureInfo.InvariantCulture, $"power limit {watts:0} W"));
        }

        return string.Join(", ", parts);
    }

    private static string CpuModelName()
    {
        // /proc/cpuinfo is a few KB per core; read only up to the first "model name" line.
        const string cpuInfo = "/proc/cpuinfo";
        try
        {
            if (!File.Exists(cpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
            foreach (var line in File.ReadLines(cpuInfo))
            {
                if (!line.StartsWith("model name", StringComparison.Ordinal)) continue;
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0) return line[(colon + 1)..].Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Fall through: an unreadable cpuinfo only loses the model name.
        }

        return Unknown;
    }

    private static long PhysicalMemoryBytes()
    {
        const string memInfo = "/proc/meminfo";
        try
        {
            if (File.Exists(memInfo))
            {
                foreach (var line in File.ReadLines(memInfo))
                {
                    // "MemTotal:       131072000 kB"
                    if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kib)) return kib * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Fall back to the runtime's figure.
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
