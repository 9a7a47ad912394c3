using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks;

/// <summary>
/// Cells run in the runner's own process (<see cref="NotebookRunOptions.Kernel"/> null): fast to start, used by
/// tests and the library API, but a cell that calls <c>Environment.Exit</c> or overflows the stack ends the run.
/// </summary>
internal sealed class SessionCellHost(NotebookSession session) : ICellHost
{
    public static async Task<SessionCellHost> StartAsync(NotebookRunOptions options, CancellationToken cancellationToken) =>
        new(await NotebookSession.StartAsync(
            new NotebookSessionOptions
            {
                CellTimeout = options.CellTimeout,
                Parameters = options.Parameters,
                BaseDirectory = options.NotebookDirectory,
            },
            cancellationToken));

    public Task<CellExecution> ExecuteAsync(string source, string cellName, CancellationToken cancellationToken) =>
        session.ExecuteAsync(source, cellName, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
