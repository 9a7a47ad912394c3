using System.Runtime.InteropServices;
using LlmLab.Backends.Cpu;

namespace LlmLab.Tests.Backends;

/// <summary>The huge-page buffers the repacked weights live in: alignment, usable length, and freeing.</summary>
public sealed unsafe class HugePagesTests
{
    [Fact]
    public void A_buffer_of_a_huge_page_or_more_is_aligned_to_it_and_writable_to_its_last_byte()
    {
        long bytes = HugePages.PageBytes + 12345;
        byte* p = HugePages.Allocate(bytes);
        try
        {
            Assert.Equal(0, (long)p % HugePages.PageBytes);
            p[0] = 1;
            p[bytes - 1] = 2;
            Assert.Equal((1, 2), (p[0], p[bytes - 1]));
        }
        finally { NativeMemory.AlignedFree(p); }
    }

    [Fact]
    public void A_buffer_under_a_huge_page_is_cache_line_aligned()
    {
        byte* p = HugePages.Allocate(1000);
        try { Assert.Equal(0, (long)p % 64); }
        finally { NativeMemory.AlignedFree(p); }
    }
}
