using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Cli;

/// <summary>Creates CUDA backends (the CUDA backend lands with its own project).</summary>
internal static class CudaBackends
{
    public static IBackend Create(string device, DType? dtype) =>
        throw new UsageException($"--device {device}: this build has no CUDA backend yet; use --device cpu");
}
