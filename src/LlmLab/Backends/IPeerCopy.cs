namespace LlmLab.Backends;

/// <summary>
/// A backend that can copy a tensor straight from another backend's memory (GPU to GPU), without staging it on the
/// host: device maps move the residual stream between stages this way where the driver allows it.
/// </summary>
public interface IPeerCopy
{
    /// <summary>
    /// Copies <paramref name="source"/>, held by <paramref name="sourceBackend"/>, into <paramref name="destination"/> of this
    /// backend, after every op <paramref name="sourceBackend"/> has queued; false (nothing copied) when this pair of
    /// backends or element types has no direct path, and the caller goes through the host.
    /// </summary>
    bool TryCopyFrom(IBackend sourceBackend, DeviceTensor source, DeviceTensor destination);
}
