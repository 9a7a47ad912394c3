using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Tests.Backends;

/// <summary>
/// A GPU backend provider for tests of <see cref="DeviceCatalog"/>'s routing: its "GPUs" are CPU backends, and it
/// records the devices it was asked for.
/// </summary>
internal sealed class FakeGpuProvider(string prefix, params GpuDevice[] gpus) : IGpuBackendProvider
{
    public List<(string Device, DType? ComputeType)> Requests { get; } = [];

    public string DevicePrefix => prefix;

    public IBackend CreateBackend(string device, DType? computeType)
    {
        Requests.Add((device, computeType));
        return new CpuBackend();
    }

    public GpuInventory Survey() => gpus.Length > 0 ? new GpuInventory(gpus, null) : new GpuInventory([], $"the {prefix} driver found no device");
}
