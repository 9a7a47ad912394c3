using System.Globalization;
using LlmLab.Backends;
using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda;

/// <summary>The versions of the CUDA driver API and of the libraries the backend loads (NVRTC, cuBLASLt), for a study's fingerprint.</summary>
internal static class CudaLibraryVersions
{
    /// <summary>
    /// A GPU's details: the driver's CUDA version and the library versions read now, with the NVML facts given. A
    /// library that is not installed is left out (the backend would say so when asked to run).
    /// </summary>
    public static GpuDetails Details(string? driverVersion, int? maxSmClockMHz, int? maxMemoryClockMHz, double? powerLimitWatts)
    {
        var libraries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (NativeLibraries.IsAvailable(NvidiaLibrary.Nvrtc) && Nvrtc.nvrtcVersion(out int major, out int minor) == Nvrtc.Success)
            libraries["NVRTC"] = $"{major}.{minor}";
        if (NativeLibraries.IsAvailable(NvidiaLibrary.CublasLt)) libraries["cuBLASLt"] = CublasLtVersion(CublasLt.cublasLtGetVersion());
        return new GpuDetails(driverVersion, DriverApiVersion(), libraries, maxSmClockMHz, maxMemoryClockMHz, powerLimitWatts);
    }

    /// <summary>cuDriverGetVersion's 1000 × major + 10 × minor (12080 → "12.8"); null when the driver is missing.</summary>
    private static string? DriverApiVersion()
    {
        if (!NativeLibraries.IsAvailable(NvidiaLibrary.Driver) || CudaDriver.cuDriverGetVersion(out int version) != 0) return null;
        return string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");
    }

    /// <summary>cublasLtGetVersion's 10000 × major + 100 × minor + patch (120804 → "12.8.4").</summary>
    private static string CublasLtVersion(nuint version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 10000}.{version % 10000 / 100}.{version % 100}");
}
