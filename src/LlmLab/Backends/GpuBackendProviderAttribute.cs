namespace LlmLab.Backends;

/// <summary>
/// Names an assembly's <see cref="IGpuBackendProvider"/> (a class with a public parameterless constructor), so
/// <see cref="DeviceCatalog.Default"/> finds it when the assembly sits beside LlmLab:
/// <c>[assembly: GpuBackendProvider(typeof(CudaBackendProvider))]</c>.
/// </summary>
/// <param name="providerType">The provider class.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class GpuBackendProviderAttribute(Type providerType) : Attribute
{
    /// <summary>The provider class.</summary>
    public Type ProviderType { get; } = providerType;
}
