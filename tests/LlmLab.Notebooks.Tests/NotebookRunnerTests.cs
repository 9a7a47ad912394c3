using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Tests;

public sealed class NotebookRunnerTests
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    private static string WriteDib(string directory, params NotebookCell[] cells)
    {
        var path = Path.Combine(directory, "study.dib");
        NotebookFile.Save(NotebookDocument.Create(cells), path);
        return path;
    }

    [Fact]
    public async Task A_notebook_whose_cells_all_succeed_exits_with_zero_and_writes_outputs()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir, NotebookCell.MarkdownCell("# Study"), NotebookCell.CSharpCell("var x = 2;"), NotebookCell.CSharpCell("x * 21"));
        var progress = new StringWriter();

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input) { HtmlPath = Path.Combine(dir, "study.html") }, progress, Cancel);

        Assert.Equal(NotebookRunner.ExitSucceeded, result.ExitCode);
        Assert.Equal([CellRunStatus.Skipped, CellRunStatus.Succeeded, CellRunStatus.Succeeded], result.Cells.Select(c => c.Status));
        var written = NotebookFile.Load(Path.Combine(dir, "study.executed.ipynb"));
        Assert.Equal("42", Assert.IsType<DisplayDataOutput>(Assert.Single(written.Cells[2].Outputs)).Data["text/plain"]);
        Assert.Equal([null, 1, 2], written.Cells.Select(c => c.ExecutionCount));
        Assert.True(File.Exists(Path.Combine(dir, "study.html")));
        Assert.Contains("[3/3] cell 3 (csharp) ok", progress.ToString());
    }

    [Fact]
    public async Task A_cell_that_throws_stops_the_run_with_exit_code_two_and_the_partial_results_are_written()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir,
            NotebookCell.CSharpCell("Console.WriteLine(\"first\");"),
            NotebookCell.CSharpCell("throw new InvalidOperationException(\"model file is missing\");"),
            NotebookCell.CSharpCell("Console.WriteLine(\"never\");"));
        var output = Path.Combine(dir, "out.ipynb");
        var progress = new StringWriter();

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input) { OutputPath = output, HtmlPath = Path.Combine(dir, "out.html") }, progress, Cancel);

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        Assert.Equal([CellRunStatus.Succeeded, CellRunStatus.Failed, CellRunStatus.NotRun], result.Cells.Select(c => c.Status));
        var written = NotebookFile.Load(output);
        Assert.Equal(new StreamOutput("stdout", "first\n"), Assert.Single(written.Cells[0].Outputs));
        Assert.Equal("model file is missing", Assert.IsType<ErrorOutput>(Assert.Single(written.Cells[1].Outputs)).Message);
        Assert.Empty(written.Cells[2].Outputs);
        Assert.Contains("FAILED", progress.ToString());
        Assert.Contains("Stopped after cell 2 failed; 1 code cell not run", progress.ToString());
        Assert.Contains("model file is missing", File.ReadAllText(Path.Combine(dir, "out.html")));
    }

    [Fact]
    public async Task Continue_on_error_runs_the_cells_after_a_failure_and_still_exits_with_two()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir, NotebookCell.CSharpCell("throw new Exception(\"x\");"), NotebookCell.CSharpCell("1 + 1"));

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input) { ContinueOnError = true }, TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        Assert.Equal([CellRunStatus.Failed, CellRunStatus.Succeeded], result.Cells.Select(c => c.Status));
    }

    [Fact]
    public async Task A_cell_that_loops_forever_ends_with_a_timeout_error_and_exit_code_two()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir, NotebookCell.CSharpCell("while (true) { }"));

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input) { CellTimeout = TimeSpan.FromSeconds(1) }, TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        Assert.Equal("Timeout", result.Cells[0].Error?.Name);
        Assert.Equal("Timeout", Assert.IsType<ErrorOutput>(Assert.Single(NotebookFile.Load(result.OutputPath!).Cells[0].Outputs)).Name);
    }

    [Fact]
    public async Task A_cell_in_an_unknown_language_fails_with_a_clear_error()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir, new NotebookCell("cobol", "DISPLAY 'HI'."));

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input), TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        var error = result.Cells[0].Error!;
        Assert.Equal("UnsupportedLanguage", error.Name);
        Assert.Contains("'cobol'", error.Message);
    }

    [Fact]
    public async Task A_magic_with_an_unknown_option_fails_its_cell_with_a_clear_error()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir, NotebookCell.CSharpCell("#!llm-help --verbose\nConsole.WriteLine(\"after\");"));

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input), TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        var error = result.Cells[0].Error!;
        Assert.Equal("#!llm-help: unknown option --verbose. Run `#!llm-help --help` for usage.", error.Message);
        Assert.Equal(["   at #!llm-help --verbose (cell 1, line 1)"], error.Traceback);
    }

    [Fact]
    public async Task A_notebook_that_is_not_valid_json_exits_with_one_and_names_the_problem()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "broken.ipynb");
        await File.WriteAllTextAsync(input, "{\"cells\": [", Cancel);

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input), TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitInvalidInput, result.ExitCode);
        Assert.StartsWith($"{input} is not valid JSON (line 1", result.ErrorMessage);
        Assert.Null(result.OutputPath);
    }

    [Fact]
    public async Task A_dib_whose_meta_block_is_broken_exits_with_one_and_names_the_line()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "broken.dib");
        await File.WriteAllTextAsync(input, "#!meta\n\n{\"kernelInfo\": {\n\n#!csharp\n\n1", Cancel);

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input), TextWriter.Null, Cancel);

        Assert.Equal(NotebookRunner.ExitInvalidInput, result.ExitCode);
        Assert.Contains("the #!meta block is not valid JSON", result.ErrorMessage);
    }

    [Fact]
    public async Task Parameters_reach_the_cells_and_the_report_header()
    {
        var dir = TestPaths.TempDir();
        var input = WriteDib(dir, NotebookCell.CSharpCell("$\"{tokens * 2} {model}\""));
        var html = Path.Combine(dir, "report.html");

        var result = await NotebookRunner.RunAsync(
            new NotebookRunOptions(input) { HtmlPath = html, Parameters = [NotebookParameter.Parse("tokens=32"), NotebookParameter.Parse("model=tiny")] },
            TextWriter.Null, Cancel);

        Assert.Equal("64 tiny", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Document!.Cells[0].Outputs)).Data["text/plain"]);
        Assert.Contains("<code>tokens = 32</code>", File.ReadAllText(html));
    }

    [Fact]
    public async Task Running_an_ipynb_replaces_the_outputs_it_had()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "old.ipynb");
        NotebookFile.Save(NotebookDocument.Create(NotebookCell.CSharpCell("1 + 2") with { Outputs = [new StreamOutput("stdout", "stale")], ExecutionCount = 9 }), input);

        var result = await NotebookRunner.RunAsync(new NotebookRunOptions(input) { OutputPath = Path.Combine(dir, "new.ipynb") }, TextWriter.Null, Cancel);

        var cell = NotebookFile.Load(result.OutputPath!).Cells[0];
        Assert.Equal(1, cell.ExecutionCount);
        Assert.Equal("3", Assert.IsType<DisplayDataOutput>(Assert.Single(cell.Outputs)).Data["text/plain"]);
    }
}
