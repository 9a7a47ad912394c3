using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// The fused operations of <see cref="IBackend"/> written as the plain ops they stand for, in the order they run. It is
/// the one definition of each fused op: the interface's default methods call it (so the CPU backend and any backend
/// without faster kernels compute exactly this), and a backend with fused kernels calls it for the shapes its kernels
/// do not serve.
/// </summary>
public static class ComposedOps
{
    /// <summary>q, k, v = x·Wqᵀ (+ bq), x·Wkᵀ (+ bk), x·Wvᵀ (+ bv): three <see cref="IBackend.MatMul"/>s.</summary>
    public static void QkvProjection(IBackend backend, DeviceTensor x, QkvWeights w, DeviceTensor q, DeviceTensor k, DeviceTensor v)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(w);
        backend.MatMul(x, w.Query, w.QueryBias, q);
        backend.MatMul(x, w.Key, w.KeyBias, k);
        backend.MatMul(x, w.Value, w.ValueBias, v);
    }

    /// <summary>
    /// The per-head q/k RMSNorm of <paramref name="w"/> when it has one (Qwen3), in place:
    /// two <see cref="IBackend.RmsNorm"/>s over groups of headDim.
    /// </summary>
    public static void QkNorm(IBackend backend, QkvWeights w, float eps, DeviceTensor q, DeviceTensor k)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(w);
        if (w.QueryNorm is null || w.KeyNorm is null) return;
        backend.RmsNorm(q, w.QueryNorm, eps, q);
        backend.RmsNorm(k, w.KeyNorm, eps, k);
    }

    /// <summary>
    /// <see cref="IBackend.QkvProjection"/>, then the q/k norm (<see cref="QkNorm"/>), then <see cref="IBackend.RopeAndCache"/>.
    /// </summary>
    public static void QkvRopeAndCache(IBackend backend, DeviceTensor x, QkvWeights w, float eps, RopeTable rope, StepLayout step, KvCache cache, int layer,
        DeviceTensor q, DeviceTensor k, DeviceTensor v)
    {
        ArgumentNullException.ThrowIfNull(backend);
        backend.QkvProjection(x, w, q, k, v);
        QkNorm(backend, w, eps, q, k);
        backend.RopeAndCache(q, k, v, rope, step, cache, layer);
    }

    /// <summary>gate = x·Wgᵀ, up = x·Wuᵀ, then gate = silu(gate) · up: two <see cref="IBackend.MatMul"/>s and <see cref="IBackend.SwiGlu"/> in place.</summary>
    public static void GateUpSwiGlu(IBackend backend, DeviceTensor x, DeviceWeight gateWeight, DeviceWeight upWeight, DeviceTensor gate, DeviceTensor up)
    {
        ArgumentNullException.ThrowIfNull(backend);
        backend.MatMul(x, gateWeight, null, gate);
        backend.MatMul(x, upWeight, null, up);
        backend.SwiGlu(gate, up, gate);
    }
}
