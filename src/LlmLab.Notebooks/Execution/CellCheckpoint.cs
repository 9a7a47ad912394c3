using System.ComponentModel;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// The call the engine inserts at the top of every loop body in a cell, so a cell that runs past its time limit
/// (or is cancelled) stops at its next iteration instead of spinning forever on a thread nobody can stop.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CellCheckpoint
{
    /// <summary>The text inserted into cell code: a fully qualified call, immune to the cell's own names.</summary>
    internal const string Call = "global::LlmLab.Notebooks.Execution.CellCheckpoint.Poll();";

    /// <summary>Throws when the running cell has been asked to stop; returns at once otherwise.</summary>
    public static void Poll()
    {
        if (CellContext.Current is { Stop.IsCancellationRequested: true } cell) throw new CellInterruptedException(cell.StopReason);
    }
}
