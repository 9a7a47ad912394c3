using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Magics;
using LlmLab.Notebooks.Tests.Execution;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class MagicDispatcherTests
{
    private static MagicRegistry Registry()
    {
        var registry = MagicRegistry.CreateDefault();
        registry.Register(new EchoMagic());
        registry.Register(new ShoutMagic());
        return registry;
    }

    private static Task<NotebookSession> Session() =>
        Sessions.StartAsync(new NotebookSessionOptions { Magics = Registry(), CellTimeout = TimeSpan.FromSeconds(20) });

    [Fact]
    public async Task A_magic_writes_displays_and_defines_a_variable_that_the_same_cells_code_uses()
    {
        var session = await Session();
        var result = await session.RunAsync("#!llm-echo --as greeting -n 2 \"hello there\"\ngreeting.Length");

        Assert.Equal(new StreamOutput("stdout", "hello there\nhello there\n"), result.Outputs[0]);
        Assert.Contains("<td style=\"text-align:right\">11</td>", ((DisplayDataOutput)result.Outputs[1]).Data[MimeTypes.Html]);
        Assert.Equal("11", ((DisplayDataOutput)result.Outputs[2]).Data[MimeTypes.PlainText]);
    }

    [Fact]
    public async Task A_magic_reads_a_variable_that_an_earlier_cell_defined()
    {
        var session = await Session();
        await session.RunAsync("var words = \"quiet\";");
        var result = await session.RunAsync("#!llm-shout --from words");

        Assert.Equal(new StreamOutput("stdout", "QUIET"), Assert.Single(result.Outputs));
    }

    [Fact]
    public async Task Help_prints_the_usage_instead_of_running_the_magic()
    {
        var session = await Session();
        var result = await session.RunAsync("#!llm-echo --help");

        var text = Assert.IsType<StreamOutput>(Assert.Single(result.Outputs)).Text;
        Assert.StartsWith("#!llm-echo — Writes its text", text);
        Assert.Contains("-a, --as NAME", text);
    }

    [Fact]
    public async Task An_unknown_magic_is_an_error_that_lists_the_known_ones()
    {
        var session = await Session();
        var result = await session.RunAsync("#!llm-fly --high");

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("InvalidOptionException", error.Name);
        Assert.Equal("Unknown magic command #!llm-fly. Known magics: #!llm-bench, #!llm-compare, #!llm-echo, #!llm-generate, #!llm-gpu, #!llm-help, #!llm-inspect, #!llm-load, #!llm-perplexity, #!llm-shout. Run #!llm-help to list them with descriptions.", error.Message);
    }

    [Fact]
    public async Task A_missing_required_option_is_an_error_and_the_cells_code_does_not_run()
    {
        var session = await Session();
        var result = await session.ExecuteAsync("#!llm-echo hi\nConsole.WriteLine(\"ran\");", "cell 4", TestContext.Current.CancellationToken);

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("#!llm-echo: missing required --as. Run `#!llm-echo --help` for usage.", error.Message);
        Assert.Equal(["   at #!llm-echo hi (cell 4, line 1)"], error.Traceback);
    }

    [Fact]
    public async Task A_magic_line_after_csharp_code_is_reported_as_misplaced()
    {
        var session = await Session();
        var result = await session.ExecuteAsync("var x = 1;\n#!llm-help", "cell 2", TestContext.Current.CancellationToken);

        var error = Assert.IsType<ErrorOutput>(Assert.Single(result.Outputs));
        Assert.Equal("cell 2, line 2: magic commands (#!name) must come first in a cell, before any C# code.", error.Traceback[0]);
    }

    [Fact]
    public async Task Llm_help_lists_every_registered_magic_as_a_table()
    {
        var session = await Session();
        var result = await session.RunAsync("#!llm-help");

        var table = Assert.IsType<DisplayDataOutput>(result.Outputs[0]);
        Snapshot.Match(table.Data[MimeTypes.PlainText], "llm-help.txt");
        Snapshot.Match(table.Data[MimeTypes.Html], "llm-help.html");
        Assert.Equal("Run a magic with --help (e.g. #!llm-help --help) to see its options.\n", Assert.IsType<StreamOutput>(result.Outputs[1]).Text);
    }

    [Fact]
    public async Task Llm_help_with_a_name_prints_that_magics_usage()
    {
        var session = await Session();
        var result = await session.RunAsync("#!llm-help #!llm-shout");

        Assert.StartsWith("#!llm-shout — Upper-cases", Assert.IsType<StreamOutput>(Assert.Single(result.Outputs)).Text);
    }

    [Fact]
    public async Task A_magic_can_run_in_a_host_through_a_delegate_session()
    {
        var written = new System.Text.StringBuilder();
        var displayed = new List<object?>();
        var variables = new Dictionary<string, object?>();
        var host = new DelegateMagicSession(
            displayed.Add,
            text => written.Append(text),
            (name, value, _, _) => { variables[name] = value; return Task.CompletedTask; },
            name => (variables.TryGetValue(name, out var v), v));

        await new MagicDispatcher(Registry()).ExecuteAsync("#!llm-echo -a saved 'from a host'", host, TestContext.Current.CancellationToken);

        Assert.Equal("from a host\n", written.ToString().ReplaceLineEndings("\n"));
        Assert.Single(displayed);
        Assert.Equal("from a host", variables["saved"]);
    }

    [Fact]
    public void Registering_two_magics_of_one_name_is_refused()
    {
        var registry = Registry();

        Assert.Throws<ArgumentException>(() => registry.Register(new EchoMagic()));
    }
}
