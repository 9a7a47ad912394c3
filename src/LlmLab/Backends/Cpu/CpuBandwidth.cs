using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Host memory copy test (STREAM "copy" style): all cores copy disjoint slices of a buffer far
/// larger than the caches; bandwidth counts the bytes read plus the bytes written.
/// </summary>
internal static unsafe class CpuBandwidth
{
    /// <summary>Slices per core, so uneven cores still finish together.</summary>
    private const int SlicesPerCore = 4;

    public static double Measure(long bytes, int repetitions)
    {
        if (bytes < 1 << 20) throw new ArgumentOutOfRangeException(nameof(bytes), "use at least 1 MiB so the test measures memory, not cache");
        var src = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        var dst = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            // Touch every page first so the timed copies do not measure page faults.
            NativeMemory.Fill(src, (nuint)bytes, 1);
            NativeMemory.Clear(dst, (nuint)bytes);
            int slices = Environment.ProcessorCount * SlicesPerCore;
            long slice = (bytes + slices - 1) / slices;
            void CopyOnce() => Parallel.For(0, slices, s =>
            {
                long start = s * slice, length = Math.Min(slice, bytes - start);
                if (length > 0) Buffer.MemoryCopy(src + start, dst + start, length, length);
            });
            CopyOnce();
            double best = double.MaxValue;
            for (int r = 0; r < Math.Max(1, repetitions); r++)
            {
                var clock = Stopwatch.StartNew();
                CopyOnce();
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            return 2.0 * bytes / best;
        }
        finally
        {
            NativeMemory.AlignedFree(src);
            NativeMemory.AlignedFree(dst);
        }
    }
}
