using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Execution;

/// <summary>One output of a running cell as it happens, for a live observer (the kernel publishes each one).</summary>
/// <param name="Output">A stream chunk (just the new text), a display, the result or the error.</param>
/// <param name="DisplayId">The display's id when it was shown with a handle that can update it; null otherwise.</param>
/// <param name="IsUpdate">Whether this replaces the earlier display with <paramref name="DisplayId"/> (Jupyter's update_display_data).</param>
internal sealed record CellOutputEvent(CellOutput Output, string? DisplayId = null, bool IsUpdate = false);
