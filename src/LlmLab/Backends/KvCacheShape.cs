using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// KV cache dimensions: per layer, K and V of [batch, maxSequence, kvHeads·headDim], stored as <paramref name="Type"/>
/// (the backend's own type unless a <c>--kv-type</c> says otherwise).
/// </summary>
public sealed record KvCacheShape(int Layers, int Batch, int MaxSequence, int KvHeads, int HeadDim, int? SlidingWindow = null,
    KvCacheType Type = KvCacheType.Default)
{
    /// <summary>Elements of one layer's K (or V).</summary>
    public long ElementsPerLayer => (long)Batch * MaxSequence * KvHeads * HeadDim;

    /// <summary>Elements of one cached row (one position's K, or its V).</summary>
    public int RowElements => KvHeads * HeadDim;

    /// <summary>Bytes of one layer's K (or V) when the backend's own type is <paramref name="backendDefault"/>.</summary>
    /// <exception cref="InvalidOptionException">A block type and a head width that is not a whole number of its blocks.</exception>
    public long BytesPerLayer(TensorFormat backendDefault) =>
        checked((long)Batch * MaxSequence * KvCacheTypes.RowBytes(Type.Format(backendDefault), KvHeads, HeadDim));
}
