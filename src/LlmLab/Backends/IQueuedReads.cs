namespace LlmLab.Backends;

/// <summary>
/// A backend that can copy a small I32 tensor (chosen token ids) to the host without waiting for it: the generation
/// loop queues the next decode step, whose input ids the device chose, before it reads the token the previous step
/// chose, so the device never idles while the host reads a token back.
/// </summary>
public interface IQueuedReads
{
    /// <summary>
    /// Queues a copy of <paramref name="source"/> (an I32 tensor of at most <see cref="PendingRead.MaxValues"/> values)
    /// behind the ops queued so far and returns at once; <see cref="PendingRead.Complete"/> gives the values.
    /// </summary>
    PendingRead QueueRead(DeviceTensor source);
}

/// <summary>A read queued by <see cref="IQueuedReads.QueueRead"/>.</summary>
public abstract class PendingRead
{
    /// <summary>Most values one queued read may copy.</summary>
    public const int MaxValues = 1024;

    /// <summary>Waits for the copy and writes the values to <paramref name="destination"/>; a read completes once.</summary>
    public abstract void Complete(Span<int> destination);
}
