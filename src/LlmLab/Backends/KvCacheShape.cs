using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>KV cache dimensions: per layer, K and V of [batch, maxSequence, kvHeads·headDim].</summary>
public sealed record KvCacheShape(int Layers, int Batch, int MaxSequence, int KvHeads, int HeadDim, int? SlidingWindow = null)
{
    /// <summary>Elements of one layer's K (or V).</summary>
    public long ElementsPerLayer => (long)Batch * MaxSequence * KvHeads * HeadDim;
}
