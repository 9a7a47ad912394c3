using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Cli;

/// <summary>Finds the default model and builds the backend a --device option names.</summary>
internal static class ModelLocator
{
    /// <summary>The embedded default model, relative to the repository root.</summary>
    public const string DefaultModelRelative = "data/models/brown-llama-7m";

    /// <summary>
    /// The model folder: --model, else data/models/brown-llama-7m found from the current directory
    /// or from the program's own folder upward (so it works from a clone or a packed build).
    /// </summary>
    public static string Resolve(string? model)
    {
        if (model is not null) return Path.GetFullPath(model);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, DefaultModelRelative);
                if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
            }
        }
        throw new UsageException($"no --model given and the default model ({DefaultModelRelative}) was not found above {Directory.GetCurrentDirectory()}; pass --model DIR");
    }

    /// <summary>Parses --dtype for compute (f32, bf16, f16).</summary>
    public static DType? ParseDType(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "f32" or "float32" or "fp32" => DType.F32,
        "bf16" or "bfloat16" => DType.BF16,
        "f16" or "float16" or "fp16" => DType.F16,
        _ => throw new UsageException($"--dtype '{text}' must be f32, bf16 or f16"),
    };

    /// <summary>The backend for <paramref name="device"/> ("cpu", "cuda", "cuda:N").</summary>
    public static IBackend CreateBackend(string? device, DType? dtype)
    {
        device ??= "cpu";
        if (device == "cpu")
        {
            if (dtype is not null and not DType.F32) throw new UsageException($"--dtype {dtype}: the CPU backend computes in f32 (weights stay in their stored format)");
            return new CpuBackend();
        }
        if (device == "cuda" || device.StartsWith("cuda:", StringComparison.Ordinal))
            return CudaBackends.Create(device, dtype);
        throw new UsageException($"--device '{device}' is not known; use cpu, cuda or cuda:N");
    }

    /// <summary>
    /// Loads the model folder on the device. On a GPU the memory plan for <paramref name="batch"/> ×
    /// <paramref name="context"/> tokens is checked against free memory first, so a model that cannot
    /// fit fails before anything is allocated, saying what would fit.
    /// </summary>
    public static Transformer Load(string? model, string? device, DType? dtype, int batch = 1, int? context = null)
    {
        string path = Resolve(model);
        var backend = CreateBackend(device, dtype);
        try
        {
            if (backend is Cuda.CudaBackend gpu)
            {
                var config = ModelConfigReader.Read(path);
                gpu.CheckFits(gpu.Plan(config, batch, Math.Min(context ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings)));
            }
            return Transformer.Load(path, backend);
        }
        catch { backend.Dispose(); throw; }
    }
}
