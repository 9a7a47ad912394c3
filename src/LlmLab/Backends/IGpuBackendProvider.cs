using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// A family of GPU backends (CUDA) as <see cref="DeviceCatalog"/> sees it: it creates a backend for a device
/// name with its prefix (<c>cuda</c>, <c>cuda:N</c>) and lists the GPUs it can use. A GPU project plugs in by
/// naming its provider in <see cref="GpuBackendProviderAttribute"/>; the engine never references it.
/// </summary>
public interface IGpuBackendProvider
{
    /// <summary>Device prefix the provider handles, e.g. <c>cuda</c> for <c>cuda</c> and <c>cuda:N</c>.</summary>
    string DevicePrefix { get; }

    /// <summary>Creates the backend for <paramref name="device"/> computing in <paramref name="computeType"/> (null: the backend's default).</summary>
    /// <exception cref="InvalidOptionException">No such device, or the compute type is not supported.</exception>
    IBackend CreateBackend(string device, DType? computeType);

    /// <summary>The GPUs the provider can use, each with a sensor reading where the device has sensors.</summary>
    GpuInventory Survey();
}
