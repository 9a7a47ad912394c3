using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Tests.Documents;

public sealed class DibFormatTests
{
    private static NotebookDocument ReadFixture() => NotebookFile.Load(TestPaths.Fixture("polyglot-vscode.dib"));

    [Fact]
    public void A_polyglot_dib_reads_as_cells_with_their_kernel_languages()
    {
        var document = ReadFixture();

        Assert.Equal(["markdown", "csharp", "fsharp", "pwsh", "csharp", "csharp", "javascript"], document.Cells.Select(c => c.Language));
        Assert.Equal("# Throughput notes\n\nMeasured on the lab box, batch 1.", document.Cells[0].Source);
        Assert.Equal("", document.Cells[4].Source);
    }

    [Fact]
    public void The_meta_block_gives_the_default_kernel_and_the_kernel_list()
    {
        var document = ReadFixture();

        Assert.Equal("csharp", document.DefaultKernelName);
        Assert.Equal(["csharp", "fsharp", "pwsh", "javascript", "value"], document.Kernels.Select(k => k.Name));
        Assert.Equal(["js"], document.Kernels[3].Aliases);
        Assert.Equal("PowerShell", document.Kernels[2].LanguageName);
    }

    [Fact]
    public void A_magic_line_inside_a_cell_stays_in_that_cell()
    {
        Assert.Equal("#!time\nvar sizes = new[] { 1, 2, 4 };\nsizes.Select(s => s * 2)", ReadFixture().Cells[1].Source);
    }

    [Fact]
    public void A_file_we_wrote_reads_and_writes_back_to_the_same_bytes()
    {
        var original = File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, "notebooks", "00-charts.dib"));

        var rewritten = DibFormat.Write(DibFormat.Read(System.Text.Encoding.UTF8.GetString(original)));

        Assert.Equal(original, System.Text.Encoding.UTF8.GetBytes(rewritten));
    }

    [Fact]
    public void A_file_another_tool_wrote_survives_a_write_and_read_unchanged_in_meaning()
    {
        var theirs = ReadFixture();

        var ours = DibFormat.Read(DibFormat.Write(theirs));

        DocumentAssert.Equivalent(theirs, ours);
    }

    [Fact]
    public void Writing_uses_polyglot_layout_with_a_meta_block_and_blank_lines_around_cells()
    {
        var text = DibFormat.Write(NotebookDocument.Create(NotebookCell.MarkdownCell("# Title"), NotebookCell.CSharpCell("1 + 1")));

        Assert.Equal(
            "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\",\"items\":[{\"aliases\":[],\"name\":\"csharp\"}]}}\n\n" +
            "#!markdown\n\n# Title\n\n#!csharp\n\n1 + 1\n",
            text);
    }

    [Fact]
    public void Text_before_the_first_cell_marker_is_a_cell_of_the_default_kernel()
    {
        var document = DibFormat.Read("var x = 1;\n\n#!markdown\n\nnote");

        Assert.Equal([("csharp", "var x = 1;"), ("markdown", "note")], document.Cells.Select(c => (c.Language, c.Source)));
    }

    [Fact]
    public void A_cell_in_a_language_not_known_to_polyglot_survives_a_round_trip()
    {
        var document = NotebookDocument.Create(new NotebookCell("cobol", "DISPLAY 'HI'."), NotebookCell.CSharpCell("1"));

        var read = DibFormat.Read(DibFormat.Write(document));

        Assert.Equal(["cobol", "csharp"], read.Cells.Select(c => c.Language));
    }

    [Fact]
    public void A_binary_file_is_rejected_with_a_message_naming_the_file()
    {
        var error = Assert.Throws<NotebookFormatException>(() => DibFormat.Read("#!csharp\n\0\0\u0001", "model.dib"));

        Assert.StartsWith("model.dib is not a .dib notebook: it holds a NUL byte at character 9", error.Message);
    }

    [Fact]
    public void A_meta_block_that_is_not_json_is_rejected_with_its_line()
    {
        var error = Assert.Throws<NotebookFormatException>(() => DibFormat.Read("#!meta\n\n{\"kernelInfo\": [\n\n#!csharp\n\n1", "study.dib"));

        Assert.StartsWith("study.dib, line ", error.Message);
        Assert.Contains("the #!meta block is not valid JSON", error.Message);
    }

    [Fact]
    public void A_file_with_another_extension_is_rejected_by_name()
    {
        var error = Assert.Throws<NotebookFormatException>(() => NotebookFile.Load("notes.txt"));

        Assert.Contains("unknown notebook extension \".txt\"", error.Message);
    }
}
