using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Tests.Kernel;

/// <summary>
/// The runner driving a real kernel process (as `llmlab run` does): a cell that exits, overflows the stack or loops
/// forever fails alone, the kernel is restarted, and the executed notebook and report are always written.
/// </summary>
public sealed class CrashSurvivalTests
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    private static async Task<(NotebookRunResult Result, NotebookDocument Written, string Progress, string Html)> RunAsync(bool continueOnError, TimeSpan? timeout, params string[] cells)
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "study.dib");
        NotebookFile.Save(NotebookDocument.Create(cells.Select(NotebookCell.CSharpCell).ToArray()), input);
        var progress = new StringWriter();
        var options = new NotebookRunOptions(input)
        {
            Kernel = KernelProcess.Launch,
            ContinueOnError = continueOnError,
            HtmlPath = Path.Combine(dir, "study.html"),
            CellTimeout = timeout ?? NotebookRunOptions.DefaultCellTimeout,
        };

        var result = await NotebookRunner.RunAsync(options, progress, Cancel);

        return (result, NotebookFile.Load(result.OutputPath!), progress.ToString(), File.ReadAllText(options.HtmlPath));
    }

    [Fact]
    public async Task A_cell_calling_Environment_Exit_fails_with_KernelDied_and_later_cells_run_in_a_new_kernel()
    {
        var (result, written, progress, html) = await RunAsync(true, null,
            "var x = 1;", "Console.WriteLine(\"bye\");\nEnvironment.Exit(3);", "Console.WriteLine(\"after\");");

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        Assert.Equal([CellRunStatus.Succeeded, CellRunStatus.Failed, CellRunStatus.Succeeded], result.Cells.Select(c => c.Status));
        var died = Assert.IsType<ErrorOutput>(written.Cells[1].Outputs[^1]);
        Assert.Equal("KernelDied", died.Name);
        Assert.Contains("(exit code 3)", died.Message);
        Assert.Equal(new StreamOutput("stdout", "after\n"), Assert.Single(written.Cells[2].Outputs));
        Assert.Contains("Starting a new kernel for cell 3 (the previous one ended in cell 2).", progress);
        Assert.Contains("KernelDied", html);
    }

    [Fact]
    public async Task A_cell_that_overflows_the_stack_fails_with_the_runtime_s_own_words()
    {
        var (result, written, _, _) = await RunAsync(true, null,
            "int Down(int n) => Down(n + 1) + 1;\nDown(0)", "2 + 2");

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        var died = Assert.IsType<ErrorOutput>(Assert.Single(written.Cells[0].Outputs));
        Assert.Equal("KernelDied", died.Name);
        Assert.Contains("It said: Stack overflow.", died.Message);
        Assert.Equal("4", Assert.IsType<DisplayDataOutput>(Assert.Single(written.Cells[1].Outputs)).Data["text/plain"]);
    }

    [Fact]
    public async Task An_endless_loop_fails_with_a_timeout_at_its_line_and_the_kernel_runs_the_next_cell_with_its_state()
    {
        // The limit covers each cell's compilation too, which a cold kernel on a loaded 2-core CI machine has taken
        // over 2 s for the first cell; 10 s leaves the loop the only cell that can reach it.
        var (result, written, _, _) = await RunAsync(true, TimeSpan.FromSeconds(10),
            "var kept = 42;", "Console.WriteLine(\"looping\");\nwhile (true) { }", "kept");

        Assert.Equal([CellRunStatus.Succeeded, CellRunStatus.Failed, CellRunStatus.Succeeded], result.Cells.Select(c => c.Status));
        var timeout = Assert.IsType<ErrorOutput>(written.Cells[1].Outputs[^1]);
        Assert.Equal("Timeout", timeout.Name);
        Assert.Equal(["   at cell 2, line 2"], timeout.Traceback);
        Assert.Equal("42", Assert.IsType<DisplayDataOutput>(Assert.Single(written.Cells[2].Outputs)).Data["text/plain"]);
    }

    [Fact]
    public async Task Without_continue_on_error_the_cells_after_a_dead_kernel_are_left_unexecuted_and_results_are_written()
    {
        var (result, written, progress, _) = await RunAsync(false, null,
            "Environment.Exit(1);", "Console.WriteLine(\"never\");");

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        Assert.Equal([CellRunStatus.Failed, CellRunStatus.NotRun], result.Cells.Select(c => c.Status));
        Assert.Empty(written.Cells[1].Outputs);
        Assert.Null(written.Cells[1].ExecutionCount);
        Assert.DoesNotContain("Starting a new kernel", progress);
    }

    [Fact]
    public async Task Interrupting_the_run_stops_the_running_cell_in_the_kernel_and_still_writes_the_results()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "study.dib");
        var started = Path.Combine(dir, "started");
        NotebookFile.Save(NotebookDocument.Create(NotebookCell.CSharpCell($"File.WriteAllText(@\"{started}\", \"\");\nwhile (true) {{ }}"), NotebookCell.CSharpCell("1")), input);
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var run = NotebookRunner.RunAsync(new NotebookRunOptions(input) { Kernel = KernelProcess.Launch }, TextWriter.Null, ctrlC.Token);
        while (!File.Exists(started) && !run.IsCompleted) await Task.Delay(50, Cancel);

        await ctrlC.CancelAsync();
        var result = await run;

        Assert.Equal(NotebookRunner.ExitCellFailed, result.ExitCode);
        Assert.Equal([CellRunStatus.Failed, CellRunStatus.NotRun], result.Cells.Select(c => c.Status));
        Assert.Equal("Cancelled", result.Cells[0].Error?.Name);
        Assert.True(File.Exists(result.OutputPath));
    }

    [Fact]
    public async Task The_llmlab_run_command_itself_survives_a_cell_calling_Environment_Exit_and_exits_with_two()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "exit.dib");
        NotebookFile.Save(NotebookDocument.Create(NotebookCell.CSharpCell("Environment.Exit(3);"), NotebookCell.CSharpCell("1 + 1")), input);
        var start = new System.Diagnostics.ProcessStartInfo(KernelProcess.Launch.Command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in KernelProcess.Launch.Command.Skip(1).Concat(["run", input, "--continue-on-error", "--html", Path.Combine(dir, "exit.html")]))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Cancel);
        await process.StandardError.ReadToEndAsync(Cancel);
        await process.WaitForExitAsync(Cancel);

        Assert.Equal(NotebookRunner.ExitCellFailed, process.ExitCode);
        Assert.Contains("[1/2] cell 1 (csharp) FAILED", await stdout);
        Assert.Contains("[2/2] cell 2 (csharp) ok", await stdout);
        Assert.Equal("KernelDied", Assert.IsType<ErrorOutput>(Assert.Single(NotebookFile.Load(Path.Combine(dir, "exit.executed.ipynb")).Cells[0].Outputs)).Name);
        Assert.True(File.Exists(Path.Combine(dir, "exit.html")));
    }

    [Fact]
    public async Task Parameters_reach_the_kernel_with_their_types()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "p.dib");
        NotebookFile.Save(NotebookDocument.Create(NotebookCell.CSharpCell("$\"{tokens.GetType().Name} {temperature.GetType().Name} {tag.GetType().Name} {tag}\"")), input);
        var options = new NotebookRunOptions(input)
        {
            Kernel = KernelProcess.Launch,
            Parameters = [NotebookParameter.Parse("tokens=64"), NotebookParameter.Parse("temperature=1.0"), NotebookParameter.Parse("tag=\"42\"")],
        };

        var result = await NotebookRunner.RunAsync(options, TextWriter.Null, Cancel);

        var cell = NotebookFile.Load(result.OutputPath!).Cells[0];
        Assert.Equal("Int32 Double String 42", Assert.IsType<DisplayDataOutput>(Assert.Single(cell.Outputs)).Data["text/plain"]);
    }
}
