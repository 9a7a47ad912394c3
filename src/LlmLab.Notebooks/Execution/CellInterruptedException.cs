namespace LlmLab.Notebooks.Execution;

/// <summary>Thrown by <see cref="CellCheckpoint.Poll"/> in a cell that was asked to stop (timeout or cancellation).</summary>
internal sealed class CellInterruptedException(string reason) : Exception(reason);
