namespace LlmLab.Notebooks.Documents;

/// <summary>When a cell's execution started and ended (UTC), as recorded in <c>metadata.execution</c>.</summary>
/// <param name="Started">Moment the engine started the cell (Jupyter's <c>iopub.execute_input</c>).</param>
/// <param name="Ended">Moment the cell's outputs were complete (Jupyter's <c>shell.execute_reply</c>).</param>
public sealed record CellTiming(DateTimeOffset Started, DateTimeOffset Ended)
{
    /// <summary>Wall-clock time the cell took.</summary>
    public TimeSpan Duration => Ended - Started;
}
