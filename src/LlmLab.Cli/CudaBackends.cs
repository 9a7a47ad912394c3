using LlmLab.Backends;
using LlmLab.Cuda;
using LlmLab.Tensors;

namespace LlmLab.Cli;

/// <summary>Creates CUDA backends for --device cuda / cuda:N.</summary>
internal static class CudaBackends
{
    /// <summary>A backend on the named GPU computing in <paramref name="dtype"/> (BF16 by default).</summary>
    public static IBackend Create(string device, DType? dtype) =>
        CudaBackend.Create(device, new CudaBackendOptions { ComputeType = dtype ?? DType.BF16 });
}
