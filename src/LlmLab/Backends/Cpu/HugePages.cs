using System.Runtime.InteropServices;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Native buffers backed by 2 MiB transparent huge pages where Linux offers them (THP in "madvise" mode, the common
/// default, gives them only to ranges marked with madvise(MADV_HUGEPAGE)). Why: a decode step streams every weight once;
/// over ~1 GB of 4 KiB pages the page walks of the TLB misses cost a share of the bandwidth that 2 MiB pages avoid.
/// Elsewhere (or if the kernel refuses) the buffer is an ordinary aligned allocation.
/// </summary>
internal static partial class HugePages
{
    /// <summary>2 MiB: the x86-64 huge page; buffers are aligned to it and their length rounded up to it.</summary>
    public const int PageBytes = 2 << 20;

    /// <summary>Linux's MADV_HUGEPAGE advice value (include/uapi/asm-generic/mman-common.h).</summary>
    private const int AdviseHugePage = 14;

    /// <summary>
    /// An uninitialized buffer of at least <paramref name="bytes"/> bytes, 2 MiB aligned, marked for huge pages before
    /// its first touch (free it with <see cref="NativeMemory.AlignedFree"/>). Buffers under one huge page are only 64-byte aligned.
    /// </summary>
    public static unsafe byte* Allocate(long bytes)
    {
        if (bytes < PageBytes) return (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        long rounded = (bytes + PageBytes - 1) / PageBytes * PageBytes;
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)rounded, PageBytes);
        // Advice only: an error (no THP in this kernel, or no C library under the name "libc") leaves ordinary pages,
        // which work the same, a little slower.
        if (OperatingSystem.IsLinux())
        {
            try { _ = Madvise(p, (nuint)rounded, AdviseHugePage); }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }
        return p;
    }

    /// <summary>Bytes each task of <see cref="Copy"/> copies: whole huge pages, enough to amortise handing the task out.</summary>
    private const long CopyChunkBytes = 8L * PageBytes;

    /// <summary>
    /// A copy of <paramref name="bytes"/> bytes at <paramref name="source"/> in a new <see cref="Allocate"/> buffer, written
    /// by all cores: most of the time goes to the kernel faulting the new pages in (in a VM whose host takes free memory
    /// back, a 2 MiB fault cost up to ~8 ms here), and faults on separate pages proceed in parallel.
    /// </summary>
    public static unsafe byte* Copy(byte* source, long bytes)
    {
        byte* destination = Allocate(bytes);
        long from = (long)source, to = (long)destination;
        int chunks = checked((int)((bytes + CopyChunkBytes - 1) / CopyChunkBytes));
        CpuParallel.For(chunks, bytes, c =>
        {
            long offset = c * CopyChunkBytes, length = Math.Min(CopyChunkBytes, bytes - offset);
            Buffer.MemoryCopy((byte*)from + offset, (byte*)to + offset, length, length);
        });
        return destination;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static unsafe partial int Madvise(void* address, nuint length, int advice);
}
