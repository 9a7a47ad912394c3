using System.Buffers;
using System.Numerics.Tensors;
using LlmLab.Cuda.Interop;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

/// <summary>
/// Uploads host data (a memory-mapped checkpoint tensor) to the device through two pinned staging buffers:
/// while one chunk is copied by the DMA engine, the next is converted (e.g. F32 → BF16) into the other on all
/// cores. The source is never read after <see cref="Copy"/> returns, so the caller may unmap it.
/// </summary>
internal sealed unsafe class HostToDeviceCopier : IDisposable
{
    /// <summary>Bytes per staging buffer: large enough that each copy runs at full PCIe speed.</summary>
    private const long StagingBytes = 64L << 20;

    /// <summary>Elements converted by one task (fits L2, amortises scheduling).</summary>
    private const int ConvertPiece = 1 << 18;

    private readonly CudaBackend _backend;
    private readonly PinnedHostMemory[] _staging = new PinnedHostMemory[2];
    private readonly CudaEvent[] _done = new CudaEvent[2];
    private readonly bool[] _pending = new bool[2];
    private int _next;

    public HostToDeviceCopier(CudaBackend backend)
    {
        _backend = backend;
        for (int i = 0; i < 2; i++)
        {
            _staging[i] = PinnedHostMemory.Allocate(backend.Context, StagingBytes);
            _done[i] = CudaEvent.Create(backend.Context);
        }
    }

    /// <summary>Queues the copy of <paramref name="elements"/> values of <paramref name="from"/> at <paramref name="source"/> to <paramref name="destination"/> as <paramref name="to"/>.</summary>
    public void Copy(byte* source, DType from, DType to, long elements, ulong destination)
    {
        int fromSize = from.SizeOf(), toSize = to.SizeOf();
        long perChunk = StagingBytes / toSize;
        for (long done = 0; done < elements; done += perChunk)
        {
            long n = Math.Min(perChunk, elements - done);
            int slot = _next;
            _next ^= 1;
            if (_pending[slot]) _done[slot].Synchronize();
            Convert(from, source + done * fromSize, to, _staging[slot].Pointer, n);
            CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(destination + (ulong)(done * toSize), _staging[slot].Pointer, (nuint)(n * toSize), _backend.Stream.Value));
            _done[slot].Record(_backend.Stream);
            _pending[slot] = true;
        }
    }

    /// <summary>
    /// Queues the copy of <paramref name="rows"/> rows of <paramref name="rowBytes"/> raw bytes (block-format weights) to
    /// <paramref name="destination"/> at a stride of <paramref name="stride"/> ≥ rowBytes bytes, the gap after each row zeroed.
    /// </summary>
    public void CopyRows(byte* source, long rows, long rowBytes, long stride, ulong destination)
    {
        if (stride == rowBytes)
        {
            Copy(source, DType.U8, DType.U8, checked(rows * rowBytes), destination);
            return;
        }
        long perChunk = Math.Max(1, StagingBytes / stride);
        if (perChunk * stride > StagingBytes)
            throw new ArgumentException($"a row of {stride} bytes does not fit the {StagingBytes}-byte staging buffer", nameof(stride));
        for (long done = 0; done < rows; done += perChunk)
        {
            long n = Math.Min(perChunk, rows - done);
            int slot = _next;
            _next ^= 1;
            if (_pending[slot]) _done[slot].Synchronize();
            byte* staged = _staging[slot].Pointer;
            byte* from = source + done * rowBytes;
            Parallel.For(0L, (n + RowsPerPiece - 1) / RowsPerPiece, piece =>
            {
                for (long r = piece * RowsPerPiece, end = Math.Min(n, r + RowsPerPiece); r < end; r++)
                {
                    Buffer.MemoryCopy(from + r * rowBytes, staged + r * stride, rowBytes, rowBytes);
                    new Span<byte>(staged + r * stride + rowBytes, (int)(stride - rowBytes)).Clear();
                }
            });
            CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(destination + (ulong)(done * stride), staged, (nuint)(n * stride), _backend.Stream.Value));
            _done[slot].Record(_backend.Stream);
            _pending[slot] = true;
        }
    }

    /// <summary>Rows one task repacks (a few hundred KB of a typical weight; amortises scheduling).</summary>
    private const int RowsPerPiece = 256;

    /// <summary>Waits until every queued copy has left the staging buffers.</summary>
    public void Finish()
    {
        for (int i = 0; i < 2; i++)
            if (_pending[i])
            {
                _done[i].Synchronize();
                _pending[i] = false;
            }
    }

    private static void Convert(DType from, byte* source, DType to, byte* destination, long count)
    {
        int fromSize = from.SizeOf(), toSize = to.SizeOf();
        long pieces = (count + ConvertPiece - 1) / ConvertPiece;
        Parallel.For(0L, pieces, piece =>
        {
            long start = piece * ConvertPiece;
            int n = (int)Math.Min(ConvertPiece, count - start);
            byte* src = source + start * fromSize, dst = destination + start * toSize;
            if (from == to)
            {
                Buffer.MemoryCopy(src, dst, (long)n * toSize, (long)n * toSize);
                return;
            }
            var floats = to == DType.F32 ? null : ArrayPool<float>.Shared.Rent(n);
            try
            {
                var wide = floats is null ? new Span<float>(dst, n) : floats.AsSpan(0, n);
                FloatConversion.ToSingle(from, src, wide);
                if (to == DType.BF16) FloatConversion.SingleToBF16(wide, new Span<ushort>(dst, n));
                else if (to == DType.F16) TensorPrimitives.ConvertToHalf(wide, new Span<Half>(dst, n));
            }
            finally
            {
                if (floats is not null) ArrayPool<float>.Shared.Return(floats);
            }
        });
    }

    public void Dispose()
    {
        try { Finish(); }
        catch (CudaException) { /* a failed device: release the buffers anyway */ }
        foreach (var s in _staging) s.Dispose();
        foreach (var e in _done) e.Dispose();
    }
}
