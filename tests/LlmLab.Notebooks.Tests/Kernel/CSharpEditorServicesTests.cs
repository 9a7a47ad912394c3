using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

public sealed class CSharpEditorServicesTests
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    private static async Task<IReadOnlyList<string>> CompleteAsync(string code, params string[] earlierCells)
    {
        var session = await NotebookSession.StartAsync(cancellationToken: Cancel);
        foreach (var cell in earlierCells) Assert.True((await session.ExecuteAsync(cell, cancellationToken: Cancel)).Succeeded);
        var editor = EditorCode.Of(code);
        return CSharpEditorServices.Complete(session, editor.Text, editor.Text.Length).Symbols.Select(s => s.Name).ToArray();
    }

    [Fact]
    public async Task Members_after_a_type_name_complete_to_its_static_members_with_the_prefix()
    {
        Assert.Equal(["WriteLine"], await CompleteAsync("Console.WriteL"));
    }

    [Fact]
    public async Task A_variable_defined_in_an_earlier_cell_completes()
    {
        Assert.Contains("tokensPerSecond", await CompleteAsync("tokensPer", "var tokensPerSecond = 21.5;"));
    }

    [Fact]
    public async Task Members_of_a_value_are_its_instance_members_and_extension_methods()
    {
        var matches = await CompleteAsync("var xs = new[] { 1, 2 };\nxs.");

        Assert.Contains("Length", matches);
        Assert.Contains("Select", matches);
        Assert.DoesNotContain("Resize", matches); // Array.Resize is static
    }

    [Fact]
    public async Task LlmLab_types_complete_without_a_using_line()
    {
        Assert.Contains("ChartBuilder", await CompleteAsync("ChartBu"));
    }

    [Fact]
    public async Task A_magic_line_at_the_top_does_not_disturb_completion_below_it()
    {
        Assert.Equal(["WriteLine"], await CompleteAsync("#!llm-help\nConsole.WriteL"));
    }

    [Fact]
    public async Task Inspecting_a_method_name_shows_its_overloads_signatures()
    {
        var session = await NotebookSession.StartAsync(cancellationToken: Cancel);

        var text = CSharpEditorServices.Inspect(session, "Console.WriteLine", "Console.WriteLine".Length);

        Assert.NotNull(text);
        Assert.Contains("method System.Console.WriteLine(string?)", text);
        Assert.Contains("method System.Console.WriteLine(int)", text);
    }

    [Fact]
    public async Task Inspecting_whitespace_finds_nothing()
    {
        var session = await NotebookSession.StartAsync(cancellationToken: Cancel);

        Assert.Null(CSharpEditorServices.Inspect(session, "   ", 1));
    }

    [Theory]
    [InlineData("var x = 1;", "complete")]
    [InlineData("6 * 7", "complete")]
    [InlineData("for (var i = 0; i < 3; i++) {", "incomplete")]
    [InlineData("var s = \"unterminated", "incomplete")]
    [InlineData("var = ;", "invalid")]
    public void Completeness_is_decided_by_the_script_parser(string code, string status)
    {
        Assert.Equal(status, CSharpEditorServices.Completeness(code));
    }

    [Fact]
    public void Cursor_offsets_in_code_points_map_to_utf16_indices_past_an_emoji()
    {
        var code = EditorCode.Of("var s = \"🦙\"; s.Len");

        Assert.Equal(code.Text.Length, code.ToIndex(code.Text.Length - 1)); // the llama is two UTF-16 units, one code point
        Assert.Equal(code.Text.Length - 1, code.ToCodePoints(code.Text.Length));
    }
}
