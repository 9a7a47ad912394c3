using System.Runtime.InteropServices;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>A host tensor in 64-byte-aligned native memory (kept off the managed heap so multi-GB buffers work).</summary>
internal sealed unsafe class CpuTensor : DeviceTensor
{
    /// <summary>Cache-line alignment so SIMD loads never split lines.</summary>
    private const int Alignment = 64;
    private readonly MemoryLedger _ledger;
    private readonly MemoryCategory _category;
    private readonly bool _owner;
    private void* _data;

    public CpuTensor(DType dtype, int rows, int cols, MemoryLedger ledger, MemoryCategory category) : base(dtype, rows, cols)
    {
        if (dtype is not (DType.F32 or DType.I32)) throw new ArgumentException($"the CPU backend keeps activations in F32 or I32, not {dtype}");
        _ledger = ledger;
        _category = category;
        nuint bytes = (nuint)Math.Max(Bytes, 1);
        _data = NativeMemory.AlignedAlloc(bytes, Alignment);
        NativeMemory.Clear(_data, bytes);
        ledger.Add(category, Bytes);
        _owner = true;
    }

    /// <summary>A view of the first <paramref name="rows"/> rows of <paramref name="parent"/>.</summary>
    public CpuTensor(CpuTensor parent, int rows) : base(parent.DType, rows, parent.Cols)
    {
        if (rows < 0 || rows > parent.Rows) throw new ArgumentOutOfRangeException(nameof(rows), $"view of {rows} rows of a {parent.Rows}-row tensor");
        _ledger = parent._ledger;
        _category = parent._category;
        _data = parent._data;
    }

    public float* Floats => (float*)_data;
    public int* Ints => (int*)_data;
    public Span<float> FloatSpan => new(_data, checked((int)Length));
    public Span<int> IntSpan => new(_data, checked((int)Length));
    public Span<float> Row(int r) => new(Floats + (long)r * Cols, Cols);

    public override void Dispose()
    {
        if (_data is null || !_owner) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        _ledger.Remove(_category, Bytes);
    }
}

/// <summary>
/// A weight for the CPU: matrices stay where they are (a view into the memory-mapped file, in the
/// stored F32/F16/BF16 or ggml block format, converted inside the kernels); vectors (norms, biases) are widened to fp32.
/// </summary>
internal sealed unsafe class CpuWeight : DeviceWeight
{
    private readonly MemoryLedger _ledger;
    private float* _vector;

    /// <summary>A [<paramref name="rows"/>, <paramref name="cols"/>] weight from <paramref name="view"/>'s bytes, counted in <paramref name="ledger"/>.</summary>
    /// <param name="view">The tensor in the mapped file.</param>
    /// <param name="rows">Output features.</param>
    /// <param name="cols">Input features.</param>
    /// <param name="ledger">Where the bytes the kernels read are counted as weights.</param>
    /// <param name="resident">
    /// Give the kernels a copy of their own in anonymous memory (2 MiB huge pages where Linux gives them): the
    /// <see cref="Repacked"/> layout where the format has one, the stored bytes otherwise — what llama.cpp does when it
    /// loads without mmap. A decode step streams every weight once, and on the 2-core EPYC VM this was measured on,
    /// llama-3.2-1b BF16's products took 63.4 ms per token from such a copy in 4 KiB pages against 74.0 from the mapped
    /// file, alternating tokens in one run (notes/quant/README.md "Seventh session"). False: the kernels read the mapped
    /// file (tables only gathered from, and comparisons).
    /// </param>
    public CpuWeight(TensorView view, int rows, int cols, MemoryLedger ledger, bool resident = true) : base(view.Name, view.Format, rows, cols)
    {
        _ledger = ledger;
        Data = view.Data;
        if (rows == 1)
        {
            _vector = (float*)NativeMemory.AlignedAlloc((nuint)cols * sizeof(float), 64);
            ToSingle(view.Format, view.Data, new Span<float>(_vector, cols));
        }
        else if (resident)
        {
            Repacked = CpuRepackedWeight.Create(view.Format, view.Data, rows, cols);
            if (Repacked is null)
            {
                _copy = HugePages.Copy(view.Data, Bytes);
                Data = _copy;
                FiniteHalves = view.Format == TensorFormat.F16 && CpuMatMul.AllFinite((ushort*)_copy, (long)rows * cols);
            }
        }
        // The ledger counts the bytes the kernels read: the resident copy (for a repacked weight, its whole 16-row groups
        // plus the rows past them, which stay in the mapped file). The mapped original is then read only by embedding
        // gathers (a tied table's few token rows), so it is not counted again.
        _ledgerBytes = Repacked is null ? Bytes : Repacked.Bytes + (rows - Repacked.Groups * CpuRepackedWeight.GroupRows) * view.Format.RowBytes(cols);
        ledger.Add(MemoryCategory.Weights, _ledgerBytes);
    }

    private readonly long _ledgerBytes;
    private byte* _copy;

    /// <summary>Rows interleaved 16 at a time for <see cref="CpuRepackedMatMul"/> (Q4_0, Q4_K on AVX-512BW), or null.</summary>
    public CpuRepackedWeight? Repacked { get; private set; }

    /// <summary>An F16 matrix with no inf or NaN, checked at load (the decode product then widens it more cheaply).</summary>
    public bool FiniteHalves { get; }

    /// <summary>Whether the kernels read a copy of their own (<see cref="Repacked"/> or the stored bytes) rather than the mapped file.</summary>
    public bool Resident => _copy is not null || Repacked is not null;

    /// <summary>The stored bytes (row-major [Rows, Cols]): the resident copy, or the mapped file.</summary>
    public byte* Data { get; }

    /// <summary>fp32 copy for 1-row weights.</summary>
    public ReadOnlySpan<float> Vector => _vector is not null ? new(_vector, Cols) : throw new InvalidOperationException($"{Name} is a matrix, not a vector");

    /// <summary>Row <paramref name="r"/> converted to fp32 into <paramref name="destination"/>.</summary>
    public void RowToSingle(int r, Span<float> destination) =>
        ToSingle(Format, Data + r * Format.RowBytes(Cols), destination[..Cols]);

    // Block formats decode through the kernels' own unpacking (bit-identical to ggml's dequantize_row_*),
    // so an embedding gather or a quantized vector needs no codec beyond what the matmul reads.
    private static void ToSingle(TensorFormat format, byte* source, Span<float> destination)
    {
        if (CpuBlockUnpack.Supports(format)) CpuBlockUnpack.ToSingle(format, source, destination.Length, destination);
        else FloatConversion.ToSingle(format, source, destination);
    }

    public override void Dispose()
    {
        if (_vector is not null) { NativeMemory.AlignedFree(_vector); _vector = null; }
        if (Repacked is not null) { Repacked.Dispose(); Repacked = null; }
        if (_copy is not null) { NativeMemory.AlignedFree(_copy); _copy = null; }
        _ledger.Remove(MemoryCategory.Weights, _ledgerBytes);
    }
}

/// <summary>
/// K and V per layer, [batch, maxSequence, kvHeads·headDim] each, in native memory: fp32 by default, or F16, BF16, Q8_0,
/// Q4_0, FP8 (<see cref="KvCacheType"/>), each row written through the project's codecs (<see cref="BlockCodec"/>: the block
/// types byte-exact with ggml's <c>quantize_row_q8_0/q4_0_ref</c>) and decoded one head at a time when attention reads it.
/// Blocks run along each head (head_dim a multiple of 32), so one head's slice of a row is whole blocks.
/// </summary>
internal sealed unsafe class CpuKvCache : KvCache
{
    /// <summary>Cache-line alignment of each layer's buffer, as <see cref="CpuTensor"/>'s.</summary>
    private const int Alignment = 64;
    private readonly MemoryLedger _ledger;
    private readonly IBlockCodec _codec;
    private readonly long _layerBytes, _rowBytes, _headBytes;
    private readonly byte*[] _keys, _values;   // (layer) → [batch·maxSequence, RowBytes]

    public CpuKvCache(KvCacheShape shape, MemoryLedger ledger) : base(shape, shape.Type.Format(TensorFormat.F32))
    {
        _ledger = ledger;
        _codec = KvCacheTypes.RowCodec(Format, shape.HeadDim);
        _layerBytes = shape.BytesPerLayer(TensorFormat.F32);   // checks that a block type divides head_dim
        _rowBytes = RowBytes;
        _headBytes = KvCacheTypes.RowBytes(Format, 1, shape.HeadDim);
        _keys = new byte*[shape.Layers];
        _values = new byte*[shape.Layers];
        for (int l = 0; l < shape.Layers; l++)
        {
            _keys[l] = AllocateLayer();
            _values[l] = AllocateLayer();
        }
    }

    private byte* AllocateLayer()
    {
        nuint bytes = (nuint)Math.Max(_layerBytes, 1);
        var data = (byte*)NativeMemory.AlignedAlloc(bytes, Alignment);
        NativeMemory.Clear(data, bytes);
        _ledger.Add(MemoryCategory.KvCache, _layerBytes);
        return data;
    }

    /// <summary>True when K and V are fp32 in place, read by attention without decoding.</summary>
    public bool IsF32 => Format == TensorFormat.F32;

    /// <summary>fp32 K row of (layer, sequence, position); only for an <see cref="IsF32"/> cache.</summary>
    public float* Key(int layer, int sequence, int position) => (float*)Row(_keys[layer], sequence, position);

    /// <summary>fp32 V row of (layer, sequence, position); only for an <see cref="IsF32"/> cache.</summary>
    public float* Value(int layer, int sequence, int position) => (float*)Row(_values[layer], sequence, position);

    /// <summary>The stored bytes of (layer, sequence, position)'s K row (<see cref="KvCache.RowBytes"/> long).</summary>
    public ReadOnlySpan<byte> KeyBytes(int layer, int sequence, int position) => new(Row(_keys[layer], sequence, position), (int)_rowBytes);

    /// <summary>The stored bytes of (layer, sequence, position)'s V row.</summary>
    public ReadOnlySpan<byte> ValueBytes(int layer, int sequence, int position) => new(Row(_values[layer], sequence, position), (int)_rowBytes);

    /// <summary>Stores one position's K and V rows (kvHeads·headDim fp32 each), encoded in <see cref="KvCache.Format"/>.</summary>
    public void Write(int layer, int sequence, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int rowBytes = (int)_rowBytes;
        _codec.Quantize(key, new Span<byte>(Row(_keys[layer], sequence, position), rowBytes));
        _codec.Quantize(value, new Span<byte>(Row(_values[layer], sequence, position), rowBytes));
    }

    /// <summary>
    /// Decodes head <paramref name="kvHead"/> of positions [<paramref name="first"/>, <paramref name="end"/>) of K
    /// (or V when <paramref name="values"/>) into <paramref name="destination"/>: position j at j·headDim, fp32.
    /// </summary>
    public void ReadHead(bool values, int layer, int sequence, int kvHead, int first, int end, Span<float> destination)
    {
        int headDim = Shape.HeadDim, headBytes = (int)_headBytes;
        byte* layerData = values ? _values[layer] : _keys[layer];
        for (int j = first; j < end; j++)
            _codec.Dequantize(new ReadOnlySpan<byte>(Row(layerData, sequence, j) + kvHead * _headBytes, headBytes), destination.Slice(j * headDim, headDim));
    }

    private byte* Row(byte* layer, int sequence, int position) => layer + ((long)sequence * Shape.MaxSequence + position) * _rowBytes;

    public override void Dispose()
    {
        for (int l = 0; l < Shape.Layers; l++)
        {
            Free(ref _keys[l]);
            Free(ref _values[l]);
        }
    }

    private void Free(ref byte* data)
    {
        if (data is null) return;
        NativeMemory.AlignedFree(data);
        data = null;
        _ledger.Remove(MemoryCategory.KvCache, _layerBytes);
    }
}

/// <summary>cos/sin [maxPositions, headDim/2] in fp32, computed as transformers does (angle = inv_freq·pos in fp32).</summary>
internal sealed class CpuRopeTable : RopeTable
{
    public CpuRopeTable(RopeSpec rope, int maxPositions) : base(rope.HeadDim, maxPositions)
    {
        Interleaved = rope.Interleaved;
        (Cos, Sin) = rope.Tables(maxPositions);
    }

    /// <summary>Rotate pairs (2i, 2i+1) instead of (i, i + headDim/2); see <see cref="RopeSpec.Interleaved"/>.</summary>
    public bool Interleaved { get; }

    public float[] Cos { get; }
    public float[] Sin { get; }

    public override void Dispose() { }
}
