using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Tests.Execution;

/// <summary>Session helpers: short time limits keep the runaway-cell tests to about a second.</summary>
internal static class Sessions
{
    public static Task<NotebookSession> StartAsync(NotebookSessionOptions? options = null) =>
        NotebookSession.StartAsync(options ?? new NotebookSessionOptions { CellTimeout = TimeSpan.FromSeconds(20) }, TestContext.Current.CancellationToken);

    public static Task<CellExecution> RunAsync(this NotebookSession session, string code) =>
        session.ExecuteAsync(code, cancellationToken: TestContext.Current.CancellationToken);
}
