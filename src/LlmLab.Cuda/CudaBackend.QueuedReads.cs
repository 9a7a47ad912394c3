using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// Reads queued behind the stream (IQueuedReads): the generation loop queues decode step n + 1 before it waits for
// the token step n chose, so the GPU runs on while the host takes the token. Each read copies the status word and
// the values into a slot of pinned memory and records an event; completing it waits for that event alone.
public sealed unsafe partial class CudaBackend
{
    /// <summary>Reads that may be outstanding at once (the generation loop keeps two).</summary>
    private const int QueuedReadSlots = 4;

    /// <summary>Bytes of one slot: the status word (padded to 16 bytes), then the values.</summary>
    private const int QueuedSlotBytes = StatusBytes + PendingRead.MaxValues * sizeof(int);

    private PinnedHostMemory? _queuedHost;
    private ulong _queuedDevice;   // the slots' address on the device
    private CudaEvent[]? _queuedEvents;
    private readonly QueuedRead?[] _queuedOwners = new QueuedRead?[QueuedReadSlots];
    private int _nextQueuedSlot;

    /// <inheritdoc />
    public PendingRead QueueRead(DeviceTensor source)
    {
        var t = Cuda(source);
        if (t.DType != DType.I32 || t.Length > PendingRead.MaxValues)
            throw new ArgumentException($"a queued read takes an I32 tensor of at most {PendingRead.MaxValues} values, not {t.DType} [{t.Rows}, {t.Cols}]");
        NotCapturing("QueueRead");
        MakeCurrent();
        if (_queuedHost is null)
        {
            _queuedHost = PinnedHostMemory.Allocate(_context, (long)QueuedReadSlots * QueuedSlotBytes);
            _queuedDevice = _queuedHost.DevicePointer;
        }
        _queuedEvents ??= Enumerable.Range(0, QueuedReadSlots).Select(_ => CudaEvent.Create(_context, timing: false)).ToArray();
        int slot = _nextQueuedSlot;
        // A read left outstanding (a loop that stopped early) gives up its slot once its copy is done.
        if (_queuedOwners[slot] is { Completed: false } stale) stale.Abandon();
        _nextQueuedSlot = (slot + 1) % QueuedReadSlots;
        byte* at = _queuedHost.Pointer + (long)slot * QueuedSlotBytes;
        if (_pendingArgmax is { } argmax && argmax.Ids == t.Pointer && argmax.Rows == t.Length)
        {
            // The argmax that chose these ids writes them, and the status word, to the slot itself (pinned memory is
            // mapped into the device's address space at the same address): no copies on the stream.
            _pendingArgmax = null;
            FlushPending();
            LaunchArgmax(argmax, _queuedDevice + (ulong)((long)slot * QueuedSlotBytes));
        }
        else
        {
            Prepare();
            CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2(at, _status.Pointer, sizeof(int), _stream.Value));
            CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2(at + StatusBytes, t.Pointer, (nuint)(t.Length * sizeof(int)), _stream.Value));
        }
        _queuedEvents[slot].Record(_stream);
        var read = new QueuedRead(this, slot, (int)t.Length);
        _queuedOwners[slot] = read;
        return read;
    }

    private void CompleteQueuedRead(QueuedRead read, Span<int> destination)
    {
        _context.MakeCurrent();
        _queuedEvents![read.Slot].Synchronize();
        byte* at = _queuedHost!.Pointer + (long)read.Slot * QueuedSlotBytes;
        new ReadOnlySpan<int>(at + StatusBytes, Math.Min(read.Count, destination.Length)).CopyTo(destination);
        int status = *(int*)at;
        if (status == 0) return;
        CudaDriver.Check(CudaDriver.cuMemsetD8Async(_status.Pointer, 0, sizeof(int), _stream.Value));
        CudaDriver.Check(CudaDriver.cuStreamSynchronize(_stream.Value));
        ThrowStatus(status);
    }

    private void DisposeQueuedReads()
    {
        if (_queuedEvents is not null)
            foreach (var e in _queuedEvents) e.Dispose();
        _queuedHost?.Dispose();
    }

    private sealed class QueuedRead(CudaBackend backend, int slot, int count) : PendingRead
    {
        public int Slot { get; } = slot;
        public int Count { get; } = count;
        public bool Completed { get; private set; }

        public override void Complete(Span<int> destination)
        {
            if (Completed) throw new InvalidOperationException("this read was already completed, or its slot was taken by a later read");
            Completed = true;
            backend.CompleteQueuedRead(this, destination);
        }

        /// <summary>Waits for the copy so the slot can be reused; the values are dropped.</summary>
        public void Abandon()
        {
            Completed = true;
            backend._queuedEvents![Slot].Synchronize();
        }
    }
}
