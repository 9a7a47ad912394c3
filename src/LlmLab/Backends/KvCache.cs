using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>Per-layer key/value storage of a backend: K and V of each layer, each [batch, maxSequence, kvHeads·headDim] in <see cref="Format"/>.</summary>
public abstract class KvCache : IDisposable
{
    /// <summary>Creates the descriptor of a cache stored in the plain element type <paramref name="dtype"/>.</summary>
    protected KvCache(KvCacheShape shape, DType dtype) : this(shape, TensorFormats.FromDType(dtype)) { }

    /// <summary>Creates the descriptor of a cache stored in <paramref name="format"/> (a float type, or a ggml block type along each head).</summary>
    protected KvCache(KvCacheShape shape, TensorFormat format)
    {
        Shape = shape;
        Format = format;
    }

    /// <summary>Dimensions and the requested <see cref="KvCacheType"/>.</summary>
    public KvCacheShape Shape { get; }
    /// <summary>How the keys and values are stored (F32, F16, BF16, Q8_0, Q4_0; F8_E4M3 with a scale per head).</summary>
    public TensorFormat Format { get; }
    /// <summary>Element type of the stored keys and values; null for a block format or scaled FP8 (see <see cref="Format"/>).</summary>
    public DType? DType => Format == TensorFormat.F8_E4M3 ? null : Format.ElementType();
    /// <summary>Bytes of one cached row (one position's K, or its V), from the format's block geometry (<see cref="KvCacheTypes.RowBytes"/>).</summary>
    public long RowBytes => KvCacheTypes.RowBytes(Format, Shape.KvHeads, Shape.HeadDim);
    /// <summary>Bytes of all layers' K and V.</summary>
    public long Bytes => 2L * Shape.Layers * Shape.Batch * Shape.MaxSequence * RowBytes;

    /// <summary>Releases the memory.</summary>
    public abstract void Dispose();
}
