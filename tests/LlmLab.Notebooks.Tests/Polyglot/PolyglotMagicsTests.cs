using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Magics;
using LlmLab.Notebooks.Polyglot;
using LlmLab.Notebooks.Tests.Magics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Notebooks.Tests.Polyglot;

public sealed class PolyglotMagicsTests
{
    [Fact]
    public void A_magics_options_and_their_short_names_become_named_parameters_and_its_first_argument_an_implicit_one()
    {
        Assert.Equal(
            [
                new PolyglotDirectiveParameter("--as", "Variable that receives the text", false, 1, false),
                new PolyglotDirectiveParameter("--times", "How often to write it", false, 1, false),
                new PolyglotDirectiveParameter("-a", "Same as --as.", false, 1, false),
                new PolyglotDirectiveParameter("-n", "Same as --times.", false, 1, false),
                new PolyglotDirectiveParameter("--help", "Show the magic's options.", true, 1, false),
                new PolyglotDirectiveParameter("-h", "Same as --help.", true, 1, false),
                new PolyglotDirectiveParameter("--text", "What to echo", false, 1, true),
            ],
            PolyglotMagics.ParametersOf(new EchoMagic()));
    }

    [Fact]
    public async Task A_magic_that_succeeds_reports_no_error_and_writes_to_the_session()
    {
        var (dispatcher, session, output) = EchoSession();

        var error = await PolyglotMagics.RunAsync(dispatcher, "#!llm-echo -a x -n 2 hi", session, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal("hi\nhi\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_bad_option_is_one_line_naming_the_magic_without_a_stack_trace()
    {
        var (dispatcher, session, _) = EchoSession();

        var error = await PolyglotMagics.RunAsync(dispatcher, "#!llm-echo -a x --times many hi", session, TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.StartsWith("#!llm-echo: ", error);
        Assert.DoesNotContain("#!llm-echo: #!llm-echo", error);
        Assert.Contains("--times", error);
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public void An_unexpected_exception_is_named_by_type_with_its_causes_on_the_same_line()
    {
        var exception = new InvalidOperationException("outer\nsecond line", new IOException("disk gone"));

        Assert.Equal("#!llm-load: InvalidOperationException: outer second line; caused by IOException: disk gone", PolyglotMagics.ErrorLine(exception, "#!llm-load"));
    }

    [Fact]
    public void An_llmlab_input_error_is_its_message_alone()
    {
        Assert.Equal("#!llm-load: no model here; give a folder", PolyglotMagics.ErrorLine(new InvalidConfigException("no model here; give a folder"), "#!llm-load"));
    }

    [Fact]
    public void The_command_text_comes_from_the_directive_node_when_the_command_has_one()
    {
        var command = new FakeDirectiveCommand(new FakeNode("#!llm-echo --as x \"hi there\""));

        Assert.Equal("#!llm-echo --as x \"hi there\"", PolyglotMagics.CommandText(command, "llm-echo"));
    }

    [Fact]
    public void The_command_text_is_found_in_the_submitted_code_of_a_parent_command()
    {
        var command = new FakeCommand(new FakeSubmitCode("var a = 1;\n#!llm-echo-more x\n#!llm-echo --as y hello\nConsole.WriteLine(a);"));

        Assert.Equal("#!llm-echo --as y hello", PolyglotMagics.CommandText(command, "llm-echo"));
    }

    [Fact]
    public void Without_any_source_the_command_text_is_the_bare_magic()
    {
        Assert.Equal("#!llm-help", PolyglotMagics.CommandText(new object(), "llm-help"));
    }

    [Fact]
    public void The_extension_imports_exactly_the_namespaces_llmlab_run_gives_every_cell()
    {
        var usings = ExtensionCells()[1].Source.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.TrimStart("using ".ToCharArray()).TrimEnd(';'))
            .ToArray();

        Assert.Equal(NotebookImports.All, usings);
    }

    [Fact]
    public void The_extension_is_a_dib_whose_csharp_cells_parse_without_syntax_errors()
    {
        var code = ExtensionCells()[0].Source;

        var tree = CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(tree.GetDiagnostics(TestContext.Current.CancellationToken));
        Assert.Contains("KernelActionDirective", code);
        Assert.Contains("PolyglotFormatters.Register", code);
    }

    private static NotebookCell[] ExtensionCells()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "src", "LlmLab.Notebooks", "Polyglot", "extension.dib");
        var cells = NotebookFile.Load(path).Cells.Where(c => c.IsCSharp).ToArray();
        Assert.Equal(2, cells.Length);
        foreach (var cell in cells)
        {
            var tree = CSharpSyntaxTree.ParseText(cell.Source, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script));
            Assert.Empty(tree.GetDiagnostics());
        }

        return cells;
    }

    private static (MagicDispatcher Dispatcher, IMagicSession Session, StringWriter Output) EchoSession()
    {
        var registry = new MagicRegistry();
        registry.Register(new EchoMagic());
        var output = new StringWriter();
        var variables = new Dictionary<string, object?>();
        var session = new DelegateMagicSession(
            _ => { },
            output.Write,
            (name, value, _, _) => { variables[name] = value; return Task.CompletedTask; },
            name => variables.TryGetValue(name, out var value) ? (true, value) : (false, null));
        return (new MagicDispatcher(registry), session, output);
    }

    private sealed record FakeNode(string Text);

    private sealed record FakeDirectiveCommand(FakeNode DirectiveNode);

    private sealed record FakeSubmitCode(string Code);

    private sealed record FakeCommand(object Parent);
}
