using LlmLab.Backends.Cpu;

namespace LlmLab.Tests.Backends;

/// <summary>The worker team behind <see cref="CpuParallel.For"/>: every index once, errors surface, nesting and concurrency do not hang.</summary>
public sealed class CpuParallelTests
{
    private const long Large = CpuParallel.MinParallelWork * 100;

    [Fact]
    public void Every_index_runs_exactly_once()
    {
        for (int round = 0; round < 200; round++)
        {
            var hits = new int[37 + round % 11];
            CpuParallel.For(hits.Length, Large, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void An_exception_in_a_loop_body_reaches_the_caller_as_itself()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            CpuParallel.For(64, Large, i => { if (i == 41) throw new InvalidOperationException("index 41 failed"); }));
        Assert.Equal("index 41 failed", e.Message);
        // The team is usable afterwards.
        int sum = 0;
        CpuParallel.For(10, Large, i => Interlocked.Add(ref sum, i));
        Assert.Equal(45, sum);
    }

    [Fact]
    public void A_loop_inside_a_loop_body_runs_without_waiting_on_itself()
    {
        int total = 0;
        CpuParallel.For(8, Large, i => CpuParallel.For(8, Large, j => Interlocked.Increment(ref total)));
        Assert.Equal(64, total);
    }

    [Fact]
    public void Loops_started_from_several_threads_at_once_all_complete()
    {
        long total = 0;
        Parallel.For(0, 8, _ =>
        {
            for (int r = 0; r < 50; r++) CpuParallel.For(16, Large, i => Interlocked.Increment(ref total));
        });
        Assert.Equal(8 * 50 * 16, total);
    }
}
