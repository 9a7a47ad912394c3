using System.Text;
using LlmLab.Backends;
using LlmLab.Cuda.Interop;

namespace LlmLab.Cuda;

/// <summary>
/// Sensor readings of one GPU through NVML, found by its PCI bus id (so it is the same GPU as the CUDA
/// ordinal, whatever CUDA_VISIBLE_DEVICES renumbers). NVML is initialised once per instance and shut down on dispose.
/// </summary>
internal sealed unsafe class NvmlTelemetry : IDisposable
{
    private readonly nint _device;
    private bool _disposed;

    private NvmlTelemetry(nint device, string name)
    {
        _device = device;
        Name = name;
    }

    /// <summary>GPU name as NVML reports it.</summary>
    public string Name { get; }

    /// <summary>Opens NVML for <paramref name="info"/>'s GPU; throws <see cref="CudaUnavailableException"/> when NVML is missing.</summary>
    public static NvmlTelemetry Open(CudaDeviceInfo info)
    {
        NativeLibraries.Load(NvidiaLibrary.Nvml);
        Nvml.Check(Nvml.nvmlInit_v2());
        try
        {
            var bus = Encoding.ASCII.GetBytes(info.PciBusId + "\0");
            nint device;
            fixed (byte* p = bus) Nvml.Check(Nvml.nvmlDeviceGetHandleByPciBusId_v2(p, out device));
            var name = new byte[96];
            fixed (byte* p = name) Nvml.Check(Nvml.nvmlDeviceGetName(device, p, (uint)name.Length));
            int n = Array.IndexOf(name, (byte)0);
            return new NvmlTelemetry(device, Encoding.UTF8.GetString(name, 0, n < 0 ? name.Length : n));
        }
        catch
        {
            Nvml.nvmlShutdown();
            throw;
        }
    }

    /// <summary>Reads power, energy, SM clock, temperature and memory now.</summary>
    public TelemetrySample Sample()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Nvml.Check(Nvml.nvmlDeviceGetPowerUsage(_device, out uint milliwatts));
        Nvml.Check(Nvml.nvmlDeviceGetClockInfo(_device, Nvml.ClockSm, out uint mhz));
        Nvml.Check(Nvml.nvmlDeviceGetTemperature(_device, Nvml.TemperatureGpu, out uint celsius));
        Nvml.Check(Nvml.nvmlDeviceGetMemoryInfo(_device, out var memory));
        int energyResult = Nvml.nvmlDeviceGetTotalEnergyConsumption(_device, out ulong millijoules);
        double? energy = energyResult == Nvml.Success ? millijoules : null;
        if (energyResult is not (Nvml.Success or Nvml.ErrorNotSupported)) Nvml.Check(energyResult, "nvmlDeviceGetTotalEnergyConsumption");
        return new TelemetrySample(DateTimeOffset.UtcNow, milliwatts / 1000.0, energy, (int)mhz, (int)celsius, (long)memory.Used, (long)memory.Total);
    }

    /// <summary>
    /// The display driver's version, the maximum SM and memory clocks (MHz) and the enforced power limit (W); a value
    /// the device does not report (NVML_ERROR_NOT_SUPPORTED, e.g. power limits on some boards) is null.
    /// </summary>
    public (string? DriverVersion, int? MaxSmClockMHz, int? MaxMemoryClockMHz, double? PowerLimitWatts) Limits()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var version = new byte[Nvml.DriverVersionBufferBytes];
        string? driver;
        fixed (byte* p = version) driver = Nvml.nvmlSystemGetDriverVersion(p, (uint)version.Length) == Nvml.Success ? CString(version) : null;
        int? sm = Nvml.nvmlDeviceGetMaxClockInfo(_device, Nvml.ClockSm, out uint smMHz) == Nvml.Success ? (int)smMHz : null;
        int? memory = Nvml.nvmlDeviceGetMaxClockInfo(_device, Nvml.ClockMemory, out uint memMHz) == Nvml.Success ? (int)memMHz : null;
        double? watts = Nvml.nvmlDeviceGetEnforcedPowerLimit(_device, out uint milliwatts) == Nvml.Success ? milliwatts / 1000.0 : null;
        return (driver, sm, memory, watts);
    }

    private static string CString(byte[] bytes)
    {
        int n = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, n < 0 ? bytes.Length : n);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Nvml.nvmlShutdown();
    }
}
