using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Tests.Documents;

public sealed class IpynbFormatTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    /// <summary>A notebook with every kind of output LlmLab writes.</summary>
    private static NotebookDocument Executed() => NotebookDocument.Create(
        NotebookCell.MarkdownCell("# Study\n\nSome *text*."),
        NotebookCell.CSharpCell("Console.WriteLine(\"hi\");\ndisplay(chart);\n1 + 1") with
        {
            ExecutionCount = 1,
            Timing = new CellTiming(Start, Start.AddTicks(12_345_670)), // microseconds: the precision Jupyter timestamps keep
            Outputs =
            [
                new StreamOutput("stdout", "hi\n"),
                new DisplayDataOutput(new Dictionary<string, string>
                {
                    ["application/vnd.plotly.v1+json"] = "{\"data\":[{\"type\":\"bar\",\"x\":[\"a<b\"],\"y\":[1.5]}],\"layout\":{\"height\":420}}",
                    ["text/html"] = "<div class=\"llmlab-chart\"></div>\n<script>draw();</script>",
                    ["text/plain"] = "Chart — bar (1 points)",
                }),
                new DisplayDataOutput(new Dictionary<string, string> { ["text/plain"] = "2" }, 1),
            ],
        },
        NotebookCell.CSharpCell("throw new Exception(\"é\");") with
        {
            ExecutionCount = 2,
            Outputs = [new StreamOutput("stderr", "warning\n"), new ErrorOutput("Exception", "é", ["   at cell 3, line 1"])],
        },
        NotebookCell.CSharpCell("// not run"));

    [Fact]
    public void A_file_we_wrote_reads_and_writes_back_to_the_same_bytes()
    {
        var written = IpynbFormat.Write(Executed());

        Assert.Equal(written, IpynbFormat.Write(IpynbFormat.Read(written)));
    }

    [Fact]
    public void Reading_what_we_wrote_gives_back_the_same_notebook()
    {
        var read = IpynbFormat.Read(IpynbFormat.Write(Executed()));

        DocumentAssert.Equivalent(Executed(), read);
        Assert.All(read.Cells, c => Assert.Matches("^[0-9a-f]{16}$", c.Id));
    }

    [Theory]
    [InlineData("polyglot-vscode.ipynb")]
    [InlineData("jupyter-dotnet.ipynb")]
    public void A_file_another_tool_wrote_survives_a_write_and_read_unchanged_in_meaning(string fixture)
    {
        var theirs = NotebookFile.Load(TestPaths.Fixture(fixture));

        var ours = IpynbFormat.Read(IpynbFormat.Write(theirs));

        DocumentAssert.Equivalent(theirs, ours);
    }

    [Fact]
    public void A_polyglot_ipynb_reads_languages_outputs_and_attachments()
    {
        var document = NotebookFile.Load(TestPaths.Fixture("polyglot-vscode.ipynb"));

        Assert.Equal(["markdown", "csharp", "csharp", "fsharp"], document.Cells.Select(c => c.Language));
        Assert.Equal("var answer = 42;\nanswer", document.Cells[1].Source);
        Assert.StartsWith("<div class=\"dni-plaintext\"><pre>42</pre></div><style>\r\n", ((DisplayDataOutput)document.Cells[1].Outputs[0]).Data["text/html"]);
        Assert.Equal(new StreamOutput("stdout", "tokens/s: 31.4\ntokens/s: 30.9\n"), document.Cells[2].Outputs[0]);
        Assert.Equal("Error", ((ErrorOutput)document.Cells[2].Outputs[1]).Name);
        Assert.NotNull(document.Cells[0].ExtraProperties?["attachments"]);
        Assert.Equal("polyglot-notebook", document.Cells[1].ExtraMetadata?["vscode"]?["languageId"]?.GetValue<string>());
        Assert.All(document.Cells, c => Assert.Null(c.Id));
    }

    [Fact]
    public void A_jupyter_ipynb_takes_its_language_from_the_kernelspec_and_keeps_timing_and_ids()
    {
        var document = NotebookFile.Load(TestPaths.Fixture("jupyter-dotnet.ipynb"));

        Assert.Equal(["markdown", "csharp", "csharp", "raw"], document.Cells.Select(c => c.Language));
        Assert.Equal("a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", document.Cells[1].Id);
        Assert.Equal(TimeSpan.FromTicks(4089720), document.Cells[1].Timing?.Duration);
        Assert.Equal(1, ((DisplayDataOutput)document.Cells[1].Outputs[0]).ExecutionCount);
        Assert.Equal("var zero = 0;\nvar rate = promptTokens / zero;", document.Cells[2].Source);
        Assert.True(document.Cells[1].ExtraMetadata?["tags"] is JsonArray);
    }

    [Fact]
    public void Writing_follows_nbformat_4_5_with_polyglot_metadata()
    {
        var json = JsonNode.Parse(IpynbFormat.Write(Executed()))!;

        Assert.Equal(4, json["nbformat"]!.GetValue<int>());
        Assert.Equal(5, json["nbformat_minor"]!.GetValue<int>());
        Assert.Equal(".net-csharp", json["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", json["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
        var code = json["cells"]![1]!;
        Assert.Equal("csharp", code["metadata"]!["dotnet_interactive"]!["language"]!.GetValue<string>());
        Assert.Equal("csharp", code["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>());
        Assert.Equal("2026-01-02T03:04:05.678000Z", code["metadata"]!["execution"]!["iopub.execute_input"]!.GetValue<string>());
        Assert.True(code["outputs"]![1]!["data"]!["application/vnd.plotly.v1+json"] is JsonObject);
        Assert.Equal(["Console.WriteLine(\"hi\");\n", "display(chart);\n", "1 + 1"], code["source"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Writing_uses_jupyters_layout_sorted_keys_one_space_indent_and_a_final_newline()
    {
        var text = IpynbFormat.Write(NotebookDocument.Create(NotebookCell.MarkdownCell("x")));

        Assert.StartsWith("{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"id\": \"", text);
        Assert.EndsWith("\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n", text);
    }

    [Fact]
    public void Missing_or_repeated_cell_ids_are_replaced_by_unique_ones()
    {
        var document = NotebookDocument.Create(NotebookCell.CSharpCell("1") with { Id = "same" }, NotebookCell.CSharpCell("1") with { Id = "same" }, NotebookCell.CSharpCell("1"));

        var ids = IpynbFormat.Read(IpynbFormat.Write(document)).Cells.Select(c => c.Id).ToArray();

        Assert.Equal("same", ids[0]);
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public void Text_that_is_not_json_is_rejected_with_line_and_position()
    {
        var error = Assert.Throws<NotebookFormatException>(() => IpynbFormat.Read("{\n \"cells\": [,]\n}", "run.ipynb"));

        Assert.StartsWith("run.ipynb is not valid JSON (line 2, byte 12):", error.Message);
    }

    [Fact]
    public void An_nbformat_3_notebook_is_rejected_with_a_conversion_hint()
    {
        var error = Assert.Throws<NotebookFormatException>(() => IpynbFormat.Read("{\"nbformat\": 3, \"worksheets\": []}", "old.ipynb"));

        Assert.Equal("old.ipynb: field nbformat is 3; LlmLab reads nbformat 4 only. Convert it with `jupyter nbconvert --to notebook --nbformat 4`.", error.Message);
    }

    [Fact]
    public void A_field_of_the_wrong_shape_is_named_by_its_path()
    {
        var error = Assert.Throws<NotebookFormatException>(() => IpynbFormat.Read(
            "{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": [{\"cell_type\": \"code\", \"source\": [1, 2], \"outputs\": []}]}", "x.ipynb"));

        Assert.Equal("x.ipynb: field cells[0].source[0] is the value 1, not a string.", error.Message);
    }
}
