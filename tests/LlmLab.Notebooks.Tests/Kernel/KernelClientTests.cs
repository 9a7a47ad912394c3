using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

/// <summary>The kernel as a process, driven over ZeroMQ by the runner's client.</summary>
public sealed class KernelClientTests
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Outputs_of_a_cell_arrive_in_order_as_streams_displays_and_the_result()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var execution = await kernel.ExecuteAsync(
            "Console.WriteLine(\"out\");\nConsole.Error.WriteLine(\"err\");\ndisplay(new[] { new { Name = \"q8_0\" } });\n6 * 7", "cell 1", Limit, Cancel);

        Assert.True(execution.Succeeded);
        Assert.Equal(1, execution.ExecutionCount);
        Assert.Collection(execution.Outputs,
            o => Assert.Equal(new StreamOutput("stdout", "out\n"), o),
            o => Assert.Equal(new StreamOutput("stderr", "err\n"), o),
            o => Assert.Contains("text/html", Assert.IsType<DisplayDataOutput>(o).Data.Keys),
            o => Assert.Equal("42", Assert.IsType<DisplayDataOutput>(o).Data["text/plain"]));
    }

    [Fact]
    public async Task Cells_share_variables_and_errors_name_the_cell_as_the_runner_calls_it()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);
        await kernel.ExecuteAsync("var n = 41;", "cell 1", Limit, Cancel);

        var ok = await kernel.ExecuteAsync("n + 1", "cell 2", Limit, Cancel);
        var failed = await kernel.ExecuteAsync("\nthrow new InvalidOperationException(\"no model\");", "cell 3", Limit, Cancel);

        Assert.Equal("42", Assert.IsType<DisplayDataOutput>(Assert.Single(ok.Outputs)).Data["text/plain"]);
        Assert.Equal(("InvalidOperationException", "no model"), (failed.Error?.Name, failed.Error?.Message));
        Assert.Equal(["   at cell 3, line 2"], failed.Error!.Traceback);
    }

    [Fact]
    public async Task A_chart_is_sent_with_plotly_json_as_an_object_and_comes_back_as_the_same_json()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var execution = await kernel.ExecuteAsync("new ChartBuilder().Title(\"t\").Bar(new[] { \"a\" }, new[] { 1.0 }, \"n\").Build()", "cell 1", Limit, Cancel);

        var data = Assert.IsType<DisplayDataOutput>(Assert.Single(execution.Outputs)).Data;
        Assert.StartsWith("{", data["application/vnd.plotly.v1+json"]);
        Assert.Contains("text/html", data.Keys);
        Assert.Contains("text/plain", data.Keys);
    }

    [Fact]
    public async Task Updating_a_display_handle_replaces_the_shown_value_through_update_display_data()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var execution = await kernel.ExecuteAsync("var shown = display(\"step 1 of 2\");\nConsole.WriteLine(\"working\");\nshown.Update(\"done\");", "cell 1", Limit, Cancel);

        Assert.Equal("done", Assert.IsType<DisplayDataOutput>(execution.Outputs[0]).Data["text/plain"]);
        Assert.Equal(new StreamOutput("stdout", "working\n"), execution.Outputs[1]);
    }

    [Fact]
    public async Task Cells_queued_behind_a_failed_cell_are_aborted_as_ipykernel_does_and_later_ones_run()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var failing = kernel.ExecuteAsync("Thread.Sleep(500);\nthrow new Exception(\"first\");", "cell 1", Limit, Cancel);
        var queued = kernel.ExecuteAsync("Console.WriteLine(\"queued\");", "cell 2", Limit, Cancel);
        await Task.WhenAll(failing, queued);
        var later = await kernel.ExecuteAsync("Console.WriteLine(\"later\");", "cell 3", Limit, Cancel);

        Assert.Equal("Exception", (await failing).Error?.Name);
        Assert.Equal("Aborted", Assert.IsType<ErrorOutput>(Assert.Single((await queued).Outputs)).Name);
        Assert.Equal(new StreamOutput("stdout", "later\n"), Assert.Single(later.Outputs));
    }

    [Fact]
    public async Task Thousands_of_displays_in_a_fast_loop_all_arrive_in_order()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var execution = await kernel.ExecuteAsync("for (var i = 0; i < 5000; i++) display(i);", "cell 1", Limit, Cancel);

        Assert.True(execution.Succeeded);
        Assert.Equal(5000, execution.Outputs.Count);
        Assert.Equal("4999", Assert.IsType<DisplayDataOutput>(execution.Outputs[^1]).Data["text/plain"]);
    }

    [Fact]
    public async Task Console_ReadLine_in_a_cell_asks_the_client_through_stdin()
    {
        var prompts = new List<string>();
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel, prompt =>
        {
            prompts.Add(prompt);
            return "Llama-3.2-1B";
        });

        var execution = await kernel.ExecuteAsync("var name = Console.ReadLine();\nname.ToUpperInvariant()", "cell 1", Limit, Cancel);

        Assert.Equal("LLAMA-3.2-1B", Assert.IsType<DisplayDataOutput>(Assert.Single(execution.Outputs)).Data["text/plain"]);
        Assert.Single(prompts);
    }

    [Fact]
    public async Task Without_stdin_Console_ReadLine_sees_the_end_of_input()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var execution = await kernel.ExecuteAsync("Console.ReadLine() is null", "cell 1", Limit, Cancel);

        Assert.Equal("true", Assert.IsType<DisplayDataOutput>(Assert.Single(execution.Outputs)).Data["text/plain"]);
    }

    [Fact]
    public async Task Interrupting_a_running_cell_stops_it_and_the_kernel_runs_the_next_cell()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        interrupt.CancelAfter(TimeSpan.FromSeconds(2));

        var stopped = await kernel.ExecuteAsync("long i = 0;\nwhile (true) { i++; }", "cell 1", Limit, interrupt.Token);
        var next = await kernel.ExecuteAsync("1 + 1", "cell 2", Limit, Cancel);

        Assert.Equal("Cancelled", stopped.Error?.Name);
        Assert.False(kernel.HasExited);
        Assert.True(next.Succeeded);
    }

    [Fact]
    public async Task A_cell_that_calls_Environment_Exit_ends_only_the_kernel_and_keeps_what_it_printed()
    {
        await using var kernel = await KernelClient.StartAsync(KernelProcess.Launch, [], Cancel);

        var execution = await kernel.ExecuteAsync("Console.WriteLine(\"saving\");\nEnvironment.Exit(3);", "cell 1", Limit, Cancel);

        Assert.True(kernel.HasExited);
        Assert.Equal(new StreamOutput("stdout", "saving\n"), execution.Outputs[0]);
        Assert.Equal("KernelDied", execution.Error?.Name);
        Assert.StartsWith("cell 1 ended the kernel process (exit code 3).", execution.Error?.Message);
    }
}
