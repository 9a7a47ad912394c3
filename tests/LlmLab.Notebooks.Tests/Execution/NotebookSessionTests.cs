using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Tests.Execution;

public sealed class NotebookSessionTests
{
    [Fact]
    public async Task Cells_share_variables_and_functions_in_order()
    {
        var session = await Sessions.StartAsync();
        await session.RunAsync("var x = 20;\nint Twice(int v) => 2 * v;");
        var result = await session.RunAsync("Twice(x) + 2");

        var value = Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs));
        Assert.Equal("42", value.Data[MimeTypes.PlainText]);
        Assert.Equal(2, value.ExecutionCount);
    }

    [Fact]
    public async Task Updating_a_display_handle_replaces_that_display_in_place()
    {
        var session = await Sessions.StartAsync();

        var result = await session.RunAsync("var shown = display(1);\nConsole.WriteLine(\"working\");\nshown.Update(2);");

        Assert.Equal("2", Assert.IsType<DisplayDataOutput>(result.Outputs[0]).Data[MimeTypes.PlainText]);
        Assert.Equal(2, result.Outputs.Count);
    }

    [Fact]
    public async Task A_cell_ending_in_display_without_a_semicolon_shows_the_value_once_and_no_handle()
    {
        var session = await Sessions.StartAsync();

        var result = await session.RunAsync("display(42)");

        Assert.Equal("42", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task A_trailing_expression_becomes_the_result_and_a_statement_does_not()
    {
        var session = await Sessions.StartAsync();
        var statement = await session.RunAsync("var s = \"text\";");
        var expression = await session.RunAsync("s.ToUpperInvariant()");

        Assert.Empty(statement.Outputs);
        Assert.True(Assert.IsType<DisplayDataOutput>(Assert.Single(expression.Outputs)).IsResult);
    }

    [Fact]
    public async Task Display_adds_a_display_output_in_every_formatter_mime_type()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("display(new ChartBuilder().Line(new[] { 1, 2 }, new[] { 3.0, 4.0 }).Build());");

        var display = Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs));
        Assert.False(display.IsResult);
        Assert.Equal([MimeTypes.PlotlyJson, MimeTypes.Html, MimeTypes.PlainText], display.Data.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Console_output_is_captured_per_stream_in_order_with_displays()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("Console.Write(\"a\"); Console.WriteLine(\"b\"); Console.Error.WriteLine(\"warn\"); display(1); Console.WriteLine(\"c\");");

        Assert.Equal(
            [new StreamOutput("stdout", "ab\n"), new StreamOutput("stderr", "warn\n")],
            result.Outputs.Take(2).ToArray());
        Assert.IsType<DisplayDataOutput>(result.Outputs[2]);
        Assert.Equal(new StreamOutput("stdout", "c\n"), result.Outputs[3]);
    }

    [Fact]
    public async Task Output_written_by_a_task_the_cell_awaits_is_captured_by_that_cell()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("await Task.Run(() => Console.WriteLine(\"from a task\"));");

        Assert.Equal(new StreamOutput("stdout", "from a task\n"), Assert.Single(result.Outputs));
    }

    [Fact]
    public async Task An_exception_becomes_an_error_output_whose_trace_names_the_cell_and_line()
    {
        var session = await Sessions.StartAsync();
        await session.ExecuteAsync("int Check(int v)\n{\n    if (v > 1) throw new InvalidOperationException(\"too big\");\n    return v;\n}", "cell 2", TestContext.Current.CancellationToken);
        var result = await session.ExecuteAsync("var a = 1;\n\nCheck(a + 5);", "cell 3", TestContext.Current.CancellationToken);

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("InvalidOperationException", error.Name);
        Assert.Equal("too big", error.Message);
        Assert.Equal(["   at Check(Int32 v) in cell 2, line 3", "   at cell 3, line 3"], error.Traceback);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task A_compilation_error_names_the_cell_line_and_column_as_written()
    {
        var session = await Sessions.StartAsync();
        var result = await session.ExecuteAsync("var ok = 1;\nfor (var i = 0; i < 3; i++) { }\nundefinedName + 1", "cell 7", TestContext.Current.CancellationToken);

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("CompilationError", error.Name);
        Assert.StartsWith("cell 7, line 3, column 1: error CS0103: The name 'undefinedName' does not exist", Assert.Single(error.Traceback));
    }

    [Fact]
    public async Task A_nuget_reference_fails_with_a_hint_to_reference_an_assembly_by_path()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("#r \"nuget: Plotly.NET, 4.2.0\"");

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("CompilationError", error.Name);
        Assert.EndsWith("The LlmLab runner does not restore NuGet packages: reference an assembly by path (#r \"path/to/Library.dll\").", error.Message);
    }

    [Fact]
    public async Task A_loop_that_never_ends_is_stopped_at_the_time_limit_with_a_timeout_error()
    {
        // The limit covers compilation too, so it leaves room for a slow compile on a busy machine.
        var session = await Sessions.StartAsync(new NotebookSessionOptions { CellTimeout = TimeSpan.FromSeconds(1) });
        var result = await session.ExecuteAsync("var n = 0L;\nwhile (true)\n    n++;", "cell 1", TestContext.Current.CancellationToken);

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("Timeout", error.Name);
        Assert.Equal("cell 1 ran past its time limit of 1 s and was stopped at line 3.", error.Message);
        Assert.False(result.Abandoned);
    }

    [Fact]
    public async Task A_cell_blocked_outside_any_loop_is_abandoned_and_the_session_goes_on()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions
        {
            CellTimeout = TimeSpan.FromSeconds(1),
            StopGracePeriod = TimeSpan.FromMilliseconds(200),
        });
        await session.RunAsync("var before = 1;");
        var stuck = await session.RunAsync("var after = 2;\nThread.Sleep(5000);");
        var next = await session.RunAsync("before");

        Assert.True(stuck.Abandoned);
        Assert.Contains("abandoned", Assert.IsType<ErrorOutput>(Assert.Single(stuck.Outputs)).Message);
        Assert.Equal("1", Assert.IsType<DisplayDataOutput>(Assert.Single(next.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task A_cell_that_prints_without_end_keeps_a_bounded_output_and_says_it_dropped_the_rest()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions { CellTimeout = TimeSpan.FromSeconds(2) });
        var result = await session.RunAsync("var line = new string('x', 1000);\nwhile (true) Console.WriteLine(line);");

        var streams = result.Outputs.OfType<StreamOutput>().ToArray();
        Assert.InRange(streams.Sum(s => s.Text.Length), 1, CellOutputCollector.MaxStreamCharacters + 1000);
        Assert.StartsWith("\n[LlmLab: further output of this cell was dropped", streams[^1].Text);
        Assert.Equal("Timeout", Assert.IsType<ErrorOutput>(result.Outputs[^1]).Name);
    }

    [Fact]
    public async Task Cancelling_a_cell_stops_it_with_a_cancelled_error()
    {
        var session = await Sessions.StartAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var result = await session.ExecuteAsync("for (;;) { }", "cell 1", cancel.Token);

        Assert.Equal("Cancelled", Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs)).Name);
    }

    [Fact]
    public async Task Variables_defined_before_a_runtime_error_remain_for_later_cells()
    {
        var session = await Sessions.StartAsync();
        await session.RunAsync("var kept = 5;\nthrow new Exception(\"x\");");
        var result = await session.RunAsync("kept");

        Assert.Equal("5", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task Each_cell_records_when_it_started_and_ended()
    {
        var session = await Sessions.StartAsync();
        var before = DateTimeOffset.UtcNow;
        var result = await session.RunAsync("await Task.Delay(50);");

        Assert.InRange(result.Timing.Started, before, result.Timing.Ended);
        Assert.True(result.Timing.Duration >= TimeSpan.FromMilliseconds(45), $"took {result.Timing.Duration}");
    }

    [Fact]
    public async Task LlmLab_namespaces_are_imported_before_the_first_cell()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("typeof(InvalidOptionException).Name + \" \" + DType.BF16");

        Assert.Equal("InvalidOptionException BF16", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task Parameters_are_typed_variables_defined_before_the_first_cell()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions
        {
            Parameters = new[] { "tokens=64", "temperature=0.7", "greedy=true", "model=llama-tiny", "big=5000000000" }.Select(NotebookParameter.Parse).ToArray(),
        });
        var result = await session.RunAsync("$\"{tokens.GetType().Name} {temperature.GetType().Name} {greedy.GetType().Name} {model.GetType().Name} {big.GetType().Name}\"");

        Assert.Equal("Int32 Double Boolean String Int64", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task Parameter_reads_a_given_parameter_or_falls_back_to_the_default()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions { Parameters = [NotebookParameter.Parse("tokens=16")] });
        var result = await session.RunAsync("Parameter(\"tokens\", 64) + Parameter(\"batch\", 1) * 1000");

        Assert.Equal("1016", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task A_fractional_value_for_an_integer_parameter_fails_the_cell_instead_of_rounding()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions { Parameters = [NotebookParameter.Parse("n=2.5")] });
        var result = await session.RunAsync("Parameter(\"n\", 3)");

        Assert.False(result.Succeeded);
        Assert.StartsWith("Parameter 'n' is 2.5 (Double), which is not a Int32", result.Error?.Message);
    }

    [Fact]
    public async Task A_whole_number_parameter_widens_to_a_double_parameter_without_loss()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions { Parameters = [NotebookParameter.Parse("t=2")] });
        var result = await session.RunAsync("Parameter(\"t\", 0.5) / 4");

        Assert.Equal("0.5", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task A_boolean_parameter_is_not_read_as_a_number()
    {
        var session = await Sessions.StartAsync(new NotebookSessionOptions { Parameters = [NotebookParameter.Parse("n=true")] });
        var result = await session.RunAsync("Parameter(\"n\", 3)");

        Assert.False(result.Succeeded);
        Assert.StartsWith("Parameter 'n' is True (Boolean), which is not a Int32", result.Error?.Message);
    }

    [Fact]
    public async Task A_variable_defined_through_the_magic_session_is_visible_to_later_cells_with_its_type()
    {
        var session = await Sessions.StartAsync();
        await session.DefineVariableAsync("results", new List<int> { 1, 2, 3 }, typeof(List<int>), TestContext.Current.CancellationToken);
        var result = await session.RunAsync("results.Sum()");

        Assert.Equal("6", Assert.IsType<DisplayDataOutput>(Assert.Single(result.Outputs)).Data[MimeTypes.PlainText]);
        Assert.True(session.TryGetVariable("results", out var value));
        Assert.IsType<List<int>>(value);
    }

    [Fact]
    public async Task A_cell_in_another_kernel_language_fails_with_an_unsupported_language_error()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("#!fsharp\nprintfn \"hi\"");

        Assert.Equal("UnsupportedLanguage", Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs)).Name);
    }

    [Fact]
    public async Task A_leading_csharp_selector_line_is_ignored()
    {
        var session = await Sessions.StartAsync();
        var result = await session.RunAsync("#!csharp\n1 + 1");

        Assert.True(result.Succeeded);
    }
}
