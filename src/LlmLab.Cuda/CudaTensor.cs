using LlmLab.Backends;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

/// <summary>A row-major [Rows, Cols] tensor in device memory: owner of its buffer, or a view of a parent's first rows.</summary>
internal sealed class CudaTensor : DeviceTensor
{
    private readonly DeviceBuffer? _owned;

    public CudaTensor(DType dtype, int rows, int cols, DeviceBuffer buffer) : base(dtype, rows, cols)
    {
        _owned = buffer;
        Pointer = buffer.Pointer;
    }

    /// <summary>A view of the first <paramref name="rows"/> rows of <paramref name="parent"/> (frees nothing).</summary>
    public CudaTensor(CudaTensor parent, int rows) : base(parent.DType, rows, parent.Cols)
    {
        if (rows < 0 || rows > parent.Rows) throw new ArgumentOutOfRangeException(nameof(rows), $"view of {rows} rows of a {parent.Rows}-row tensor");
        Pointer = parent.Pointer;
    }

    /// <summary>Device address of element [0, 0].</summary>
    public ulong Pointer { get; }

    public override void Dispose() => _owned?.Dispose();
}

/// <summary>
/// A weight on the device: float matrices in the backend's compute type, vectors (norms, biases) in fp32, and
/// ggml block-format matrices as their raw blocks (<see cref="Quantized"/>: rows of the format's RowBytes at a
/// <see cref="RowStride"/> rounded up to 16 bytes, see gemv_quant.cu). It owns its buffer, or shares one with the
/// other weights of a group placed back to back (freed with the last of them).
/// </summary>
internal sealed class CudaWeight : DeviceWeight
{
    private readonly DeviceBuffer? _owned;
    private readonly SharedDeviceBuffer? _shared;
    private int _disposed;

    public CudaWeight(string name, DType dtype, int rows, int cols, DeviceBuffer buffer) : base(name, TensorFormats.FromDType(dtype), rows, cols)
    {
        DType = dtype;
        _owned = buffer;
        Pointer = buffer.Pointer;
        RowStride = (long)cols * dtype.SizeOf();
    }

    /// <summary>A weight at <paramref name="pointer"/> inside <paramref name="shared"/> (which counts it as one owner).</summary>
    public CudaWeight(string name, DType dtype, int rows, int cols, SharedDeviceBuffer shared, ulong pointer) : base(name, TensorFormats.FromDType(dtype), rows, cols)
    {
        DType = dtype;
        _shared = shared;
        Pointer = pointer;
        RowStride = (long)cols * dtype.SizeOf();
    }

    /// <summary>A block-format matrix at <paramref name="pointer"/>, in <paramref name="buffer"/> (owned) or <paramref name="shared"/>.</summary>
    public CudaWeight(string name, TensorFormat format, int rows, int cols, long rowStride, ulong pointer, DeviceBuffer? buffer, SharedDeviceBuffer? shared)
        : base(name, format, rows, cols)
    {
        if (!format.IsQuantized()) throw new ArgumentException($"{format} is not a block format or FP8", nameof(format));
        DType = DType.U8;
        _owned = buffer;
        _shared = shared;
        Pointer = pointer;
        RowStride = rowStride;
    }

    /// <summary>Device address of element [0, 0] (of the first block, for block formats).</summary>
    public ulong Pointer { get; }

    /// <summary>Element type on the device (weights are converted to F32, F16 or BF16 when uploaded); U8 (raw bytes) for block formats.</summary>
    public DType DType { get; }

    /// <summary>Whether the weight is kept in a ggml block format (read by gemv_quant.cu).</summary>
    public bool Quantized => Format.IsQuantized();

    /// <summary>Bytes from one row to the next on the device.</summary>
    public long RowStride { get; }

    /// <summary>
    /// Whether <paramref name="next"/> starts where this weight ends, with the same row length (one [rows, cols] matrix
    /// together); never for block formats, whose prefill products dequantize one weight at a time.
    /// </summary>
    public bool IsFollowedBy(CudaWeight next) => !Quantized && next.Cols == Cols && next.DType == DType && next.Pointer == Pointer + (ulong)Bytes;

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _owned?.Dispose();
        _shared?.Release();
    }
}

/// <summary>A device buffer held by several weights (a group placed back to back): freed when the last owner releases it.</summary>
internal sealed class SharedDeviceBuffer(DeviceBuffer buffer, int owners)
{
    private int _owners = owners;

    public ulong Pointer => buffer.Pointer;

    public void Release()
    {
        if (Interlocked.Decrement(ref _owners) == 0) buffer.Dispose();
    }
}

/// <summary>
/// K and V per layer, each [batch, maxSequence, kvHeads·headDim] stored as <see cref="KvCache.Format"/>: the compute type,
/// or (<c>--kv-type</c> q8_0, q4_0, fp8) rows of <see cref="KvCache.RowBytes"/> encoded as attention.cuh describes, each
/// layer's buffer sized by <see cref="KvCacheShape.BytesPerLayer"/> as the planner counts it; plus the flash-decoding
/// scratch (partial results of each split), sized on first use and then kept, so captured graphs stay valid.
/// </summary>
internal sealed class CudaKvCache : KvCache
{
    private readonly DeviceBuffer[] _keys, _values;
    private readonly DeviceAllocator _allocator;
    private DeviceBuffer? _partials, _counters;

    /// <param name="shape">Dimensions and the requested type.</param>
    /// <param name="format">The storage: the compute type's format, Q8_0, Q4_0 or F8_E4M3.</param>
    /// <param name="kernelFormat">The kernels' KV_FORMAT id of <paramref name="format"/> (0: the compute type).</param>
    /// <param name="allocator">The device allocator (its ledger counts the cache as <see cref="MemoryCategory.KvCache"/>).</param>
    public CudaKvCache(KvCacheShape shape, TensorFormat format, int kernelFormat, DeviceAllocator allocator) : base(shape, format)
    {
        _allocator = allocator;
        KernelFormat = kernelFormat;
        long bytes = checked((long)shape.Batch * shape.MaxSequence * RowBytes);
        _keys = new DeviceBuffer[shape.Layers];
        _values = new DeviceBuffer[shape.Layers];
        try
        {
            for (int l = 0; l < shape.Layers; l++)
            {
                _keys[l] = allocator.Allocate(bytes, MemoryCategory.KvCache);
                _values[l] = allocator.Allocate(bytes, MemoryCategory.KvCache);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>KV_FORMAT of the kernels that read and write this cache (attention.cuh; 0: the compute type, no define).</summary>
    public int KernelFormat { get; }

    /// <summary>Whether K and V are stored in the compute type (the kernels' default variant, and the fused q/k/v GEMV's cache write).</summary>
    public bool StoresComputeType => KernelFormat == 0;

    public ulong Keys(int layer) => _keys[layer].Pointer;
    public ulong Values(int layer) => _values[layer].Pointer;

    /// <summary>Flash-decoding scratch of at least <paramref name="bytes"/> (allocated once, at the largest size asked).</summary>
    public ulong Partials(long bytes)
    {
        if (_partials is null || _partials.Bytes < bytes)
        {
            _partials?.Dispose();
            _partials = _allocator.Allocate(bytes, MemoryCategory.Activations);
        }
        return _partials.Pointer;
    }

    /// <summary>Split-completion counters (<paramref name="count"/> ints, zeroed once; the kernels reset them as they finish).</summary>
    public ulong Counters(int count, CudaStream stream)
    {
        if (_counters is null || _counters.Bytes < count * sizeof(int))
        {
            _counters?.Dispose();
            _counters = _allocator.Allocate((long)count * sizeof(int), MemoryCategory.Activations);
            Interop.CudaDriver.Check(Interop.CudaDriver.cuMemsetD8Async(_counters.Pointer, 0, (nuint)(count * sizeof(int)), stream.Value));
        }
        return _counters.Pointer;
    }

    public override void Dispose()
    {
        _counters?.Dispose();
        foreach (var b in _keys) b?.Dispose();
        foreach (var b in _values) b?.Dispose();
        _partials?.Dispose();
    }
}

/// <summary>Rotary cos/sin tables [maxPositions, headDim/2] in fp32 on the device.</summary>
internal sealed class CudaRopeTable(int headDim, int maxPositions, DeviceBuffer cos, DeviceBuffer sin) : RopeTable(headDim, maxPositions)
{
    public ulong Cos { get; } = cos.Pointer;
    public ulong Sin { get; } = sin.Pointer;

    public override void Dispose()
    {
        cos.Dispose();
        sin.Dispose();
    }
}
