namespace LlmLab.Notebooks;

/// <summary>What happened to a cell in a run.</summary>
public enum CellRunStatus
{
    /// <summary>A code cell that ran without error.</summary>
    Succeeded,
    /// <summary>A code cell that ended with an error (exception, compilation error, magic error, timeout, unsupported language).</summary>
    Failed,
    /// <summary>A markdown or raw cell: nothing to run.</summary>
    Skipped,
    /// <summary>A code cell after a failure, not run because the run stopped.</summary>
    NotRun,
}
