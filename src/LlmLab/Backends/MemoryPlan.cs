namespace LlmLab.Backends;

/// <summary>Device memory a run needs, by category, checked against free device memory before loading (CudaBackend.CheckFits).</summary>
/// <param name="WeightBytes">Weights as the backend holds them.</param>
/// <param name="KvCacheBytes">K and V of every layer for the whole batch and context.</param>
/// <param name="WorkspaceBytes">Activations, scratch, tables and library workspace.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token (all layers), to say how many tokens would fit; 0 when unknown.</param>
/// <param name="OverheadBytes">
/// Device memory the runtime takes outside the backend's ledger (CUDA context, library handles, compiled modules, graphs);
/// 0 where the caller checks against memory already net of it (a live backend reads free memory after its context exists).
/// </param>
public sealed record MemoryPlan(long WeightBytes, long KvCacheBytes, long WorkspaceBytes, long KvBytesPerToken = 0, long OverheadBytes = 0)
{
    /// <summary>All of it.</summary>
    public long TotalBytes => WeightBytes + KvCacheBytes + WorkspaceBytes + OverheadBytes;
}
