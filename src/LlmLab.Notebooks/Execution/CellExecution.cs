using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Execution;

/// <summary>What running one cell produced.</summary>
/// <param name="ExecutionCount">The session's count for this run (1 for the first cell run).</param>
/// <param name="Outputs">Stream, display, result and error outputs, in order.</param>
/// <param name="Timing">When the cell started and ended.</param>
public sealed record CellExecution(int ExecutionCount, IReadOnlyList<CellOutput> Outputs, CellTiming Timing)
{
    /// <summary>The error that ended the cell, or null when it succeeded.</summary>
    public ErrorOutput? Error => Outputs.OfType<ErrorOutput>().FirstOrDefault();

    /// <summary>Whether the cell ran to its end without an error.</summary>
    public bool Succeeded => Error is null;

    /// <summary>
    /// Whether the cell was abandoned: it ran past its time limit and did not stop, so its thread still runs in the
    /// background. Later cells run on the state from before it.
    /// </summary>
    public bool Abandoned { get; init; }
}
