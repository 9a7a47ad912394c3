namespace LlmLab.Notebooks.Tests.Notebooks;

/// <summary>
/// notebooks/01-quickstart.dib run once per test process through <see cref="NotebookRunner"/>, with its executed
/// notebook and HTML report in a temporary folder: the runner test and the browser test read the same run.
/// </summary>
internal static class QuickstartRun
{
    private static readonly Lazy<Task<(NotebookRunResult Result, string Progress)>> Run = new(RunAsync);

    public static string NotebookPath => Path.Combine(TestPaths.RepoRoot, "notebooks", "01-quickstart.dib");

    /// <summary>The finished run and the runner's progress lines.</summary>
    public static Task<(NotebookRunResult Result, string Progress)> ResultAsync() => Run.Value;

    private static async Task<(NotebookRunResult, string)> RunAsync()
    {
        var dir = TestPaths.TempDir();
        var progress = new StringWriter();
        var options = new NotebookRunOptions(NotebookPath)
        {
            OutputPath = Path.Combine(dir, "01-quickstart.ipynb"),
            HtmlPath = Path.Combine(dir, "01-quickstart.html"),
        };
        var result = await NotebookRunner.RunAsync(options, progress, CancellationToken.None);
        return (result, progress.ToString());
    }
}
