using System.Diagnostics;
using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Tests.Documents;

/// <summary>
/// Checks an executed notebook with Jupyter's own nbformat library (Debian's python3-nbformat): schema-valid, and
/// byte-identical to what Jupyter writes for the same notebook. Skips where that library is not installed.
/// </summary>
public sealed class JupyterValidationTests
{
    private const string Python = "/usr/bin/python3";

    private const string Check = """
        import sys, nbformat
        nb = nbformat.read(sys.argv[1], as_version=4)
        nbformat.validate(nb)
        text = open(sys.argv[1], encoding='utf-8').read()
        print('valid', 'identical' if nbformat.writes(nb) + '\n' == text else 'different')
        """;

    [Fact]
    public async Task An_executed_notebook_is_valid_nbformat_and_written_exactly_as_jupyter_writes_it()
    {
        Assert.SkipUnless(await RunPythonAsync("import nbformat", []) is (0, _), "Jupyter's nbformat is not installed (apt-get install python3-nbformat).");
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "all-outputs.dib");
        NotebookFile.Save(NotebookDocument.Create(
            NotebookCell.MarkdownCell("# Outputs\n\nEvery kind: *stream*, display, result, error."),
            NotebookCell.CSharpCell("Console.WriteLine(\"ü → stdout\");\nConsole.Error.WriteLine(\"stderr\");\ndisplay(new ChartBuilder().Bar(new[] { \"a\", \"b\" }, new[] { 1, 2 }).Build());\nnew[] { new { Name = \"<x>\", Value = 1.5 } }"),
            NotebookCell.CSharpCell("throw new InvalidOperationException(\"boom\");")), input);
        var output = Path.Combine(dir, "all-outputs.ipynb");
        await NotebookRunner.RunAsync(new NotebookRunOptions(input) { OutputPath = output, ContinueOnError = true }, TextWriter.Null, TestContext.Current.CancellationToken);

        var (code, text) = await RunPythonAsync(Check, [output]);

        Assert.Equal((0, "valid identical"), (code, text.Trim()));
    }

    private static async Task<(int ExitCode, string Output)> RunPythonAsync(string script, string[] args)
    {
        if (!File.Exists(Python)) return (-1, "");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
