using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks;

/// <summary>The outcome of <see cref="NotebookRunner.RunAsync"/>.</summary>
/// <param name="ExitCode">
/// <see cref="NotebookRunner.ExitSucceeded"/>, <see cref="NotebookRunner.ExitCellFailed"/>, <see cref="NotebookRunner.ExitInvalidCommandLine"/> or
/// <see cref="NotebookRunner.ExitInvalidInput"/>.
/// </param>
/// <param name="Cells">Each cell's status, in notebook order (empty when the notebook could not be read).</param>
public sealed record NotebookRunResult(int ExitCode, IReadOnlyList<CellRunReport> Cells)
{
    /// <summary>The notebook with the run's outputs; null when it could not be read.</summary>
    public NotebookDocument? Document { get; init; }

    /// <summary>Where the executed <c>.ipynb</c> was written; null when nothing was written.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Where the HTML report was written; null when none was asked for or written.</summary>
    public string? HtmlPath { get; init; }

    /// <summary>Why the run could not start (unreadable notebook, bad parameter); null otherwise.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Wall-clock time of the whole run.</summary>
    public TimeSpan Duration { get; init; }
}
