using System.Text.Json.Nodes;
using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks.Tests.Documents;

/// <summary>
/// Semantic equality of notebooks: same kernels, and per cell the same language, source, outputs, count, timing
/// and kept metadata. Ids are compared when both sides have one (a file without ids gains them when written).
/// </summary>
internal static class DocumentAssert
{
    public static void Equivalent(NotebookDocument expected, NotebookDocument actual)
    {
        Assert.Equal(expected.DefaultKernelName, actual.DefaultKernelName);
        Assert.Equal(Describe(expected.Kernels), Describe(actual.Kernels));
        AssertJson(expected.ExtraMetadata, actual.ExtraMetadata, "notebook metadata");
        Assert.Equal(expected.Cells.Count, actual.Cells.Count);
        for (var i = 0; i < expected.Cells.Count; i++)
        {
            var (e, a) = (expected.Cells[i], actual.Cells[i]);
            var at = $"cell {i + 1}";
            Assert.Equal((at, e.Language, e.Source, e.ExecutionCount, e.Timing), (at, a.Language, a.Source, a.ExecutionCount, a.Timing));
            if (e.Id is not null && a.Id is not null) Assert.Equal(e.Id, a.Id);
            AssertJson(e.ExtraMetadata, a.ExtraMetadata, at + " metadata");
            AssertJson(e.ExtraProperties, a.ExtraProperties, at + " properties");
            Assert.Equal(e.Outputs.Count, a.Outputs.Count);
            for (var k = 0; k < e.Outputs.Count; k++) AssertOutput(e.Outputs[k], a.Outputs[k], $"{at} output {k + 1}");
        }
    }

    private static void AssertOutput(CellOutput expected, CellOutput actual, string at)
    {
        Assert.Equal((at, expected.GetType()), (at, actual.GetType()));
        switch (expected)
        {
            case DisplayDataOutput e:
                var a = (DisplayDataOutput)actual;
                Assert.Equal(e.ExecutionCount, a.ExecutionCount);
                Assert.Equal(e.Data.Keys.Order(), a.Data.Keys.Order());
                foreach (var (mime, value) in e.Data)
                {
                    if (mime.EndsWith("json", StringComparison.Ordinal)) Assert.True(JsonNode.DeepEquals(JsonNode.Parse(value), JsonNode.Parse(a.Data[mime])), $"{at} {mime}");
                    else Assert.Equal(value, a.Data[mime]);
                }

                AssertJson(e.Metadata, a.Metadata, at + " metadata");
                break;
            case ErrorOutput e:
                var error = (ErrorOutput)actual;
                Assert.Equal((e.Name, e.Message), (error.Name, error.Message));
                Assert.Equal(e.Traceback, error.Traceback);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static void AssertJson(JsonObject? expected, JsonObject? actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what}: expected {expected?.ToJsonString() ?? "null"}, got {actual?.ToJsonString() ?? "null"}");

    private static string[] Describe(IReadOnlyList<KernelInfoItem> kernels) =>
        kernels.Select(k => $"{k.Name} [{string.Join(",", k.Aliases)}] {k.LanguageName}").ToArray();
}
