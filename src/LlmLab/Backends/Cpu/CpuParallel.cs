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
