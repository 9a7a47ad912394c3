using LlmLab.Backends;
using LlmLab.Cuda;
using LlmLab.Cuda.Interop;
using LlmLab.Tensors;

[assembly: GpuBackendProvider(typeof(CudaBackendProvider))]

namespace LlmLab.Cuda;

/// <summary>Plugs the CUDA backend into <see cref="DeviceCatalog"/> for <c>cuda</c> and <c>cuda:N</c>.</summary>
public sealed class CudaBackendProvider : IGpuBackendProvider
{
    /// <inheritdoc />
    public string DevicePrefix => "cuda";

    /// <inheritdoc />
    public IBackend CreateBackend(string device, DType? computeType)
    {
        if (computeType is not (null or DType.BF16 or DType.F16 or DType.F32))
            throw new InvalidOptionException($"--dtype {computeType}: the CUDA backend computes in bf16, f16 or f32");
        return CudaBackend.Create(device, new CudaBackendOptions { ComputeType = computeType ?? DType.BF16 });
    }

    /// <inheritdoc />
    public GpuInventory Survey()
    {
        if (CudaBackend.Availability(out int count) is { } why) return new GpuInventory([], why);
        var gpus = new List<GpuDevice>();
        for (int i = 0; i < count; i++)
        {
            var info = CudaBackend.DeviceInfo(i);
            TelemetrySample? sample = null;
            var limits = ((string?)null, (int?)null, (int?)null, (double?)null);
            try
            {
                using var nvml = NvmlTelemetry.Open(info);
                sample = nvml.Sample();
                limits = nvml.Limits();
            }
            catch (Exception e) when (e is CudaUnavailableException or CudaException or DllNotFoundException)
            {
                // No NVML on this machine: the GPU is listed without sensor readings.
            }
            gpus.Add(new GpuDevice(info.Device, info.Name, info.TotalMemoryBytes, info.ComputeCapability, sample)
            {
                Details = CudaLibraryVersions.Details(limits.Item1, limits.Item2, limits.Item3, limits.Item4),
            });
        }
        return new GpuInventory(gpus, null);
    }
}
