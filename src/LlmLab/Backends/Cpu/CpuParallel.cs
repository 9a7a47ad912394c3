namespace LlmLab.Backends.Cpu;

/// <summary>
/// Runs loop bodies on all cores only when the work pays for the dispatch. A decode step of a small
/// model issues ~80 ops of a few µs each; a thread-pool round trip (Parallel.For, ~5–20 µs) would
/// dominate it, so parallel loops go to a persistent team of worker threads (one per extra core) that
/// spin briefly between ops and only then sleep: handing them the next op costs a cache-line write.
/// A loop started while the team is busy (another thread's op, or a loop inside a loop body) runs on
/// the calling thread, so nothing waits on itself.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Below this many multiply-adds (or element operations) a loop runs on the calling thread.</summary>
    public const long MinParallelWork = 1 << 15;

    private static readonly WorkerTeam? Team = Environment.ProcessorCount > 1 ? new WorkerTeam(Environment.ProcessorCount - 1) : null;

    /// <summary>Runs <paramref name="body"/> for [0, count), in parallel when <paramref name="work"/> is large enough.</summary>
    public static void For(int count, long work, Action<int> body)
    {
        if (count <= 1 || work < MinParallelWork || Team is null || !Team.TryRun(count, body))
            for (int i = 0; i < count; i++) body(i);
    }
}

/// <summary>
/// Worker threads that take loop indices from a shared counter. One loop runs at a time; the caller
/// works too and returns when every index is done. Workers spin for <see cref="SpinIterations"/> after
/// a loop (the next op of a forward step comes within µs), then block on a semaphore. Each loop is its
/// own <see cref="Job"/> object, so a worker that wakes late can only find a finished job, never take an
/// index of the next one.
/// </summary>
internal sealed class WorkerTeam
{
    /// <summary>SpinWait iterations before a worker sleeps: ~50–100 µs, longer than the gap between ops of a step.</summary>
    private const int SpinIterations = 2000;

    private readonly Worker[] _workers;
    private readonly Lock _gate = new();
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
            var job = new Job(body, count);
            Volatile.Write(ref _job, job);
            Interlocked.Increment(ref _generation);
            foreach (var w in _workers)
                if (Interlocked.Exchange(ref w.Sleeping, 0) == 1) w.Wake.Release();
            job.Work();
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Remaining) > 0) spin.SpinOnce(-1);
            Volatile.Write(ref _job, null);
            // Rethrown as itself, as the inline path would throw it.
            if (job.Error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
            return true;
        }
        finally { _gate.Exit(); }
    }

    private void Loop(object? state)
    {
        var me = (Worker)state!;
        long seen = Volatile.Read(ref _generation);
        while (true)
        {
            var spin = new SpinWait();
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen)
            {
                if (++spins < SpinIterations) { spin.SpinOnce(-1); continue; }
                // Announce the sleep, then look once more so a loop posted in between is not missed.
                Volatile.Write(ref me.Sleeping, 1);
                if (Volatile.Read(ref _generation) != seen)
                {
                    // The poster may already have taken the flag and released the semaphore: consume that release.
                    if (Interlocked.Exchange(ref me.Sleeping, 0) == 0) me.Wake.Wait();
                    break;
                }
                me.Wake.Wait();
                spins = 0;
            }
            seen = Volatile.Read(ref _generation);
            Volatile.Read(ref _job)?.Work();
        }
    }

    private sealed class Job(Action<int> body, int count)
    {
        private readonly int _count = count;
        public int Next;
        public int Remaining = count;
        public Exception? Error;

        public void Work()
        {
            while (true)
            {
                int i = Interlocked.Increment(ref Next) - 1;
                if (i >= _count) return;
                try { body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                finally { Interlocked.Decrement(ref Remaining); }
            }
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping;
    }
}
