namespace LlmLab.Cuda;

/// <summary>What the driver reports about one GPU.</summary>
/// <param name="Ordinal">CUDA device ordinal (the N of cuda:N).</param>
/// <param name="Name">Product name, e.g. "NVIDIA H100 80GB HBM3".</param>
/// <param name="ComputeMajor">Compute capability, major part (9 for Hopper).</param>
/// <param name="ComputeMinor">Compute capability, minor part.</param>
/// <param name="Multiprocessors">Streaming multiprocessors.</param>
/// <param name="TotalMemoryBytes">Device memory.</param>
/// <param name="L2CacheBytes">L2 cache.</param>
/// <param name="PciBusId">PCI bus id (how NVML finds the same GPU).</param>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int ComputeMajor, int ComputeMinor, int Multiprocessors,
    long TotalMemoryBytes, long L2CacheBytes, string PciBusId)
{
    /// <summary>The device string LlmLab uses, cuda:N.</summary>
    public string Device => $"cuda:{Ordinal}";

    /// <summary>Compute capability as text, e.g. "9.0".</summary>
    public string ComputeCapability => $"{ComputeMajor}.{ComputeMinor}";
}
