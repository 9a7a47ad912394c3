namespace LlmLab.Backends.Cpu;

/// <summary>
/// Worker threads that take loop indices from a shared counter. One loop runs at a time; the caller
/// works too and returns when every index is done. Between loops a worker spins (pause instructions, no
/// yielding) for <see cref="SpinMicroseconds"/>, since the next op of a forward step comes within µs, and
/// then blocks on a semaphore; a caller whose last index is still running elsewhere spins as long and then
/// blocks until the worker that finishes it wakes it. Blocking rather than yielding matters on a loaded
/// machine: a thread that sleeps is scheduled promptly when woken, one that keeps yielding waits its turn.
/// Each loop is its own <see cref="Job"/> object, so a worker that wakes late can only find a finished job,
/// never take an index of the next one.
/// </summary>
internal sealed class WorkerTeam
{
    /// <summary>How long a worker (or a waiting caller) spins before it blocks: longer than the gap between the ops of a step.</summary>
    private const double SpinMicroseconds = 50;

    /// <summary>Pause iterations between two looks at the shared state (~0.1–0.5 µs).</summary>
    private const int SpinChunk = 16;

    private static readonly long SpinTicks = (long)(SpinMicroseconds * System.Diagnostics.Stopwatch.Frequency / 1e6);

    private readonly Worker[] _workers;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _callerWake = new(0);
    private Job? _job;
    private long _generation;

    public WorkerTeam(int workers)
    {
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++)
        {
            _workers[i] = new Worker();
            var thread = new Thread(Loop) { IsBackground = true, Name = $"LlmLab CPU worker {i + 1}" };
            thread.Start(_workers[i]);
        }
    }

    /// <summary>Runs the loop on the team; false (nothing run) when the team is already busy.</summary>
    public bool TryRun(int count, Action<int> body)
    {
        if (!_gate.TryEnter()) return false;
        try
        {
            var job = new Job(body, count, _callerWake);
            Volatile.Write(ref _job, job);
            Interlocked.Increment(ref _generation);
            foreach (var w in _workers)
                if (Interlocked.Exchange(ref w.Sleeping, 0) == 1) w.Wake.Release();
            job.Work();
            WaitForRest(job);
            Volatile.Write(ref _job, null);
            // Rethrown as itself, as the inline path would throw it.
            if (job.Error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
            return true;
        }
        finally { _gate.Exit(); }
    }

    private void WaitForRest(Job job)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Volatile.Read(ref job.Remaining) > 0)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks) { Thread.SpinWait(SpinChunk); continue; }
            // Announce the sleep (a full fence: the look below must not pass it), then look once more: the finishing
            // worker releases the semaphore only if it saw the flag.
            Interlocked.Exchange(ref job.CallerSleeping, 1);
            if (Volatile.Read(ref job.Remaining) == 0 && Interlocked.Exchange(ref job.CallerSleeping, 0) == 1) return;
            _callerWake.Wait();
            return;
        }
    }

    private void Loop(object? state)
    {
        var me = (Worker)state!;
        long seen = Volatile.Read(ref _generation);
        while (true)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks) { Thread.SpinWait(SpinChunk); continue; }
                // Announce the sleep (a full fence), then look once more so a loop posted in between is not missed.
                Interlocked.Exchange(ref me.Sleeping, 1);
                if (Volatile.Read(ref _generation) != seen)
                {
                    // The poster may already have taken the flag and released the semaphore: consume that release.
                    if (Interlocked.Exchange(ref me.Sleeping, 0) == 0) me.Wake.Wait();
                    break;
                }
                me.Wake.Wait();
                start = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            seen = Volatile.Read(ref _generation);
            Volatile.Read(ref _job)?.Work();
        }
    }

    private sealed class Job(Action<int> body, int count, SemaphoreSlim callerWake)
    {
        private readonly int _count = count;
        public int Next;
        public int Remaining = count;
        public int CallerSleeping;
        public Exception? Error;

        public void Work()
        {
            while (true)
            {
                int i = Interlocked.Increment(ref Next) - 1;
                if (i >= _count) return;
                try { body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                finally
                {
                    if (Interlocked.Decrement(ref Remaining) == 0 && Interlocked.Exchange(ref CallerSleeping, 0) == 1) callerWake.Release();
                }
            }
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping;
    }
}
