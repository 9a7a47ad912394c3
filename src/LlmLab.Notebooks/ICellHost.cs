using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks;

/// <summary>Where <see cref="NotebookRunner"/> runs cells: a session in its own process, or a kernel process it drives.</summary>
internal interface ICellHost : IAsyncDisposable
{
    /// <summary>Runs one cell; what the cell does (throw, exit, hang) becomes its outputs, never an exception here.</summary>
    Task<CellExecution> ExecuteAsync(string source, string cellName, CancellationToken cancellationToken);
}
