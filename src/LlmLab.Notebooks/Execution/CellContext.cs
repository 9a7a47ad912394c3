using Microsoft.CodeAnalysis.Scripting;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// The cell that code on this logical thread belongs to: where its console output and displays go, whether it was
/// asked to stop, and the script state it advances. Flows with <see cref="AsyncLocal{T}"/> into tasks the cell starts.
/// </summary>
internal sealed class CellContext(NotebookSession session, CellOutputCollector outputs, CancellationToken stop, ScriptState<object> state)
{
    private static readonly AsyncLocal<CellContext?> CurrentCell = new();

    public static CellContext? Current
    {
        get => CurrentCell.Value;
        set => CurrentCell.Value = value;
    }

    public NotebookSession Session => session;

    public CellOutputCollector Outputs => outputs;

    public CancellationToken Stop => stop;

    /// <summary>Why the cell is being stopped, for the exception <see cref="CellCheckpoint.Poll"/> throws.</summary>
    public string StopReason { get; set; } = "The cell was stopped";

    /// <summary>Error name of the stop: <see cref="CellErrors.Timeout"/> or <see cref="CellErrors.Cancelled"/>.</summary>
    public string StopKind { get; set; } = CellErrors.Timeout;

    /// <summary>Script state after the cell's latest submission (magic-defined variables, then the code).</summary>
    public ScriptState<object> State { get; set; } = state;
}
