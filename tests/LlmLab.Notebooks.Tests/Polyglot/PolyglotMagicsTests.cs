using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Polyglot;
using LlmLab.Notebooks.Tests.Magics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Notebooks.Tests.Polyglot;

public sealed class PolyglotMagicsTests
{
    [Fact]
    public void A_magics_options_become_named_parameters_and_its_first_argument_an_implicit_one()
    {
        Assert.Equal(
            [
                new PolyglotDirectiveParameter("--as", "Variable that receives the text", false, 1, false),
                new PolyglotDirectiveParameter("--times", "How often to write it", false, 1, false),
                new PolyglotDirectiveParameter("--text", "What to echo", false, 1, true),
            ],
            PolyglotMagics.ParametersOf(new EchoMagic()));
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
    public void The_extension_is_a_dib_whose_csharp_cell_parses_without_syntax_errors()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "src", "LlmLab.Notebooks", "Polyglot", "extension.dib");
        var code = Assert.Single(NotebookFile.Load(path).Cells, c => c.IsCSharp).Source;

        var tree = CSharpSyntaxTree.ParseText(code, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(tree.GetDiagnostics(TestContext.Current.CancellationToken));
        Assert.Contains("KernelActionDirective", code);
        Assert.Contains("PolyglotFormatters.Register", code);
    }

    private sealed record FakeNode(string Text);

    private sealed record FakeDirectiveCommand(FakeNode DirectiveNode);

    private sealed record FakeSubmitCode(string Code);

    private sealed record FakeCommand(object Parent);
}
