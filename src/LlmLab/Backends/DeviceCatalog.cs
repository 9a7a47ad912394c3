using System.Reflection;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// The one place that turns a device name (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a backend, for the CLI and
/// the notebook magics alike. The CPU backend is built in; GPU backends come from <see cref="IGpuBackendProvider"/>s,
/// which <see cref="Default"/> finds in the assemblies named by <see cref="ProviderAssemblies"/> when they sit beside
/// LlmLab, so a GPU project plugs in without the engine, the CLI or the magics referencing it.
/// </summary>
public sealed class DeviceCatalog
{
    /// <summary>Assemblies probed for <see cref="GpuBackendProviderAttribute"/> by <see cref="Default"/>.</summary>
    public static readonly IReadOnlyList<string> ProviderAssemblies = ["LlmLab.Cuda"];

    private static readonly Lazy<DeviceCatalog> DefaultCatalog = new(() => new DeviceCatalog(DiscoverProviders()));

    /// <summary>A catalog with the CPU backend and the GPU providers given.</summary>
    public DeviceCatalog(IEnumerable<IGpuBackendProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        Providers = providers.ToArray();
    }

    /// <summary>The CPU backend and every GPU provider found in <see cref="ProviderAssemblies"/> (found once per process).</summary>
    public static DeviceCatalog Default => DefaultCatalog.Value;

    /// <summary>The GPU backend providers, in the order devices are matched against their prefixes.</summary>
    public IReadOnlyList<IGpuBackendProvider> Providers { get; }

    /// <summary>Parses a compute type: f32, bf16, f16 (and their long spellings); null stays null (the backend's default).</summary>
    /// <exception cref="InvalidOptionException">Any other text.</exception>
    public static DType? ParseComputeType(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "f32" or "float32" or "fp32" => DType.F32,
        "bf16" or "bfloat16" => DType.BF16,
        "f16" or "float16" or "fp16" => DType.F16,
        _ => throw new InvalidOptionException($"--dtype '{text}' must be f32, bf16 or f16"),
    };

    /// <summary>The backend for <paramref name="device"/> (null: <c>cpu</c>) computing in <paramref name="computeType"/>.</summary>
    /// <exception cref="InvalidOptionException">An unknown device, a GPU device with no provider, or a compute type the device cannot use.</exception>
    public IBackend CreateBackend(string? device, DType? computeType = null)
    {
        device ??= "cpu";
        if (device == "cpu")
        {
            if (computeType is not null and not DType.F32)
                throw new InvalidOptionException($"--dtype {computeType}: the CPU backend computes in f32 (weights stay in their stored format)");
            return new CpuBackend();
        }

        string prefix = device.Split(':', 2)[0];
        if (Providers.FirstOrDefault(p => p.DevicePrefix == prefix) is { } provider) return provider.CreateBackend(device, computeType);
        if (prefix == "cuda")
            throw new InvalidOptionException($"--device {device}: this build has no CUDA backend ({string.Join(", ", ProviderAssemblies)} is not beside LlmLab); use --device cpu");
        var known = new[] { "cpu" }.Concat(Providers.Select(p => $"{p.DevicePrefix}, {p.DevicePrefix}:N"));
        throw new InvalidOptionException($"--device '{device}' is not known; use {string.Join(", ", known)}");
    }

    /// <summary>Every GPU the providers can use, or why there is none.</summary>
    public GpuInventory SurveyGpus()
    {
        if (Providers.Count == 0)
            return new GpuInventory([], $"this build has no GPU backend ({string.Join(", ", ProviderAssemblies)} is not beside LlmLab), so everything runs on the CPU");
        var surveys = Providers.Select(p => p.Survey()).ToArray();
        var gpus = surveys.SelectMany(s => s.Gpus).ToArray();
        return gpus.Length > 0 ? new GpuInventory(gpus, null)
            : new GpuInventory([], string.Join("; ", surveys.Select(s => s.WhyNone ?? "no device")));
    }

    private static IEnumerable<IGpuBackendProvider> DiscoverProviders()
    {
        foreach (string name in ProviderAssemblies)
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(new AssemblyName(name));
            }
            catch (FileNotFoundException)
            {
                continue; // Not part of this build: the catalog has no such GPU backend.
            }

            foreach (var attribute in assembly.GetCustomAttributes<GpuBackendProviderAttribute>())
                yield return (IGpuBackendProvider)Activator.CreateInstance(attribute.ProviderType)!;
        }
    }
}
