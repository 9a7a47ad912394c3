using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmLab.Cuda.Interop;

/// <summary>NVML (nvml.h): the driver's management library, for power, energy, clocks, temperature and memory.</summary>
internal static unsafe partial class Nvml
{
    private const string Lib = NativeLibraries.NvmlName;

    public const int Success = 0;
    public const int ErrorNotSupported = 3;
    /// <summary>NVML_CLOCK_SM.</summary>
    public const int ClockSm = 1;
    /// <summary>NVML_CLOCK_MEM.</summary>
    public const int ClockMemory = 2;
    /// <summary>NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE: the driver version string fits in 80 bytes.</summary>
    public const int DriverVersionBufferBytes = 80;
    /// <summary>NVML_TEMPERATURE_GPU.</summary>
    public const int TemperatureGpu = 0;

    /// <summary>nvmlMemory_t (bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Memory
    {
        public ulong Total, Free, Used;
    }

    [LibraryImport(Lib)] public static partial int nvmlInit_v2();
    [LibraryImport(Lib)] public static partial int nvmlShutdown();
    [LibraryImport(Lib)] public static partial nint nvmlErrorString(int result);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetHandleByPciBusId_v2(byte* busId, out nint device);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetName(nint device, byte* name, uint length);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetMemoryInfo(nint device, out Memory memory);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetClockInfo(nint device, int clock, out uint megahertz);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetTemperature(nint device, int sensor, out uint celsius);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetPowerUsage(nint device, out uint milliwatts);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetTotalEnergyConsumption(nint device, out ulong millijoules);
    [LibraryImport(Lib)] public static partial int nvmlSystemGetDriverVersion(byte* version, uint length);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetMaxClockInfo(nint device, int clock, out uint megahertz);
    [LibraryImport(Lib)] public static partial int nvmlDeviceGetEnforcedPowerLimit(nint device, out uint milliwatts);

    /// <summary>Throws <see cref="CudaException"/> unless <paramref name="result"/> is NVML_SUCCESS.</summary>
    public static void Check(int result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result == Success) return;
        var text = Marshal.PtrToStringUTF8(nvmlErrorString(result)) ?? $"nvmlReturn {result}";
        throw new CudaException(CudaException.CallName(call), result, $"nvmlReturn {result}", text);
    }
}
