namespace LlmLab.Backends;

/// <summary>A backend that can report its device memory beside what the driver (or OS) says is free.</summary>
public interface IMemoryReporter
{
    /// <summary>Bytes held by category, the peak, and the driver's free/total now and at creation.</summary>
    MemoryReport MemoryReport();
}
