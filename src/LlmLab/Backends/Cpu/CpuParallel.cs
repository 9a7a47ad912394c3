namespace LlmLab.Backends.Cpu;

/// <summary>
/// Runs loop bodies on all cores only when the work pays for the scheduling: a decode step of a
/// small model issues ~80 ops, and a thread-pool round trip (~5–20 µs each) would dominate it.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Below this many multiply-adds (or element operations) a loop runs on the calling thread.</summary>
    public const long MinParallelWork = 1 << 16;

    /// <summary>Runs <paramref name="body"/> for [0, count), in parallel when <paramref name="work"/> is large enough.</summary>
    public static void For(int count, long work, Action<int> body)
    {
        if (count <= 1 || work < MinParallelWork)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, body);
    }
}
