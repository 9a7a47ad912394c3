namespace LlmLab.Backends;

/// <summary>
/// The weights of one layer's attention input, for <see cref="IBackend.QkvProjection"/> and
/// <see cref="IBackend.QkvRopeAndCache"/>: the q, k and v projections (they share their input h), their optional
/// biases (Qwen2, and Llama/Qwen3 with attention_bias), and Qwen3's optional per-head RMSNorm of q and k.
/// </summary>
/// <param name="Query">[heads·headDim, hidden].</param>
/// <param name="Key">[kvHeads·headDim, hidden].</param>
/// <param name="Value">[kvHeads·headDim, hidden].</param>
public sealed record QkvWeights(DeviceWeight Query, DeviceWeight Key, DeviceWeight Value)
{
    /// <summary>[heads·headDim] fp32, or null.</summary>
    public DeviceWeight? QueryBias { get; init; }

    /// <summary>[kvHeads·headDim] fp32, or null.</summary>
    public DeviceWeight? KeyBias { get; init; }

    /// <summary>[kvHeads·headDim] fp32, or null.</summary>
    public DeviceWeight? ValueBias { get; init; }

    /// <summary>Per-head RMSNorm of q before RoPE, [headDim] (Qwen3), or null; given together with <see cref="KeyNorm"/>.</summary>
    public DeviceWeight? QueryNorm { get; init; }

    /// <summary>Per-head RMSNorm of k before RoPE, [headDim] (Qwen3), or null; given together with <see cref="QueryNorm"/>.</summary>
    public DeviceWeight? KeyNorm { get; init; }

    /// <summary>Whether q and k are normed per head before RoPE (both norms given).</summary>
    public bool HasQkNorm => QueryNorm is not null && KeyNorm is not null;
}
