namespace LlmLab.Notebooks.Tests;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_with_output_html_and_parameters_writes_both_files_and_returns_zero()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "n.dib");
        await File.WriteAllTextAsync(input, "#!csharp\n\nConsole.WriteLine(n + 1);\n", TestContext.Current.CancellationToken);
        var stdout = new StringWriter();

        var code = await RunCommand.InvokeAsync(
            [input, "--output", Path.Combine(dir, "o.ipynb"), "--html=" + Path.Combine(dir, "o.html"), "-p", "n=41"], stdout, TextWriter.Null);

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(dir, "o.ipynb")));
        Assert.True(File.Exists(Path.Combine(dir, "o.html")));
        Assert.Contains("All 1 code cell succeeded", stdout.ToString());
    }

    [Fact]
    public async Task A_failing_cell_returns_one_as_a_bad_data_file_does()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "n.dib");
        await File.WriteAllTextAsync(input, "#!csharp\n\nthrow new Exception(\"no\");\n", TestContext.Current.CancellationToken);

        Assert.Equal(1, await RunCommand.InvokeAsync([input, "--continue-on-error"], TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public async Task A_missing_notebook_argument_is_a_command_line_error_with_exit_code_two()
    {
        var stderr = new StringWriter();

        var code = await RunCommand.InvokeAsync(["--html", "x.html"], TextWriter.Null, stderr);

        Assert.Equal(2, code);
        Assert.Equal("llmlab run: missing required NOTEBOOK. Run `llmlab run --help` for usage.\n", stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_parameter_without_an_equals_sign_is_a_command_line_error_with_exit_code_two()
    {
        var stderr = new StringWriter();

        var code = await RunCommand.InvokeAsync(["n.dib", "-p", "tokens"], TextWriter.Null, stderr);

        Assert.Equal(2, code);
        Assert.StartsWith("llmlab run: ", stderr.ToString());
        Assert.Contains("must look like name=value", stderr.ToString());
    }

    [Fact]
    public async Task A_notebook_that_does_not_exist_returns_one_with_a_message_on_stderr()
    {
        var stderr = new StringWriter();

        var code = await RunCommand.InvokeAsync([Path.Combine(TestPaths.TempDir(), "absent.dib")], TextWriter.Null, stderr);

        Assert.Equal(1, code);
        Assert.Contains("absent.dib cannot be read", stderr.ToString());
    }

    [Fact]
    public async Task A_timeout_that_is_not_a_duration_is_a_usage_error()
    {
        var stderr = new StringWriter();

        var code = await RunCommand.InvokeAsync(["n.dib", "--timeout", "soon"], TextWriter.Null, stderr);

        Assert.Equal(NotebookRunner.ExitInvalidCommandLine, code);
        Assert.Contains("--timeout soon: give a positive duration", stderr.ToString());
    }

    [Fact]
    public async Task Help_prints_the_usage_and_returns_zero()
    {
        var stdout = new StringWriter();

        Assert.Equal(0, await RunCommand.InvokeAsync(["--help"], stdout, TextWriter.Null));
        Assert.StartsWith("llmlab run — Runs a .dib or .ipynb notebook", stdout.ToString());
        Assert.Contains("Usage: llmlab run [options] NOTEBOOK", stdout.ToString());
    }
}
