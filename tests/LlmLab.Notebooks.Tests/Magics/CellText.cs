using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Formatting;

namespace LlmLab.Notebooks.Tests.Magics;

/// <summary>What a reader of a cell's outputs sees as text: streams, and the plain text of displays.</summary>
internal static class CellText
{
    /// <summary>Text written to the cell's standard output.</summary>
    public static string Stdout(this CellExecution cell) =>
        string.Concat(cell.Outputs.OfType<StreamOutput>().Where(s => s.Name == StreamOutput.StandardOutput).Select(s => s.Text));

    /// <summary>The displays of the cell, in order.</summary>
    public static IReadOnlyList<DisplayDataOutput> Displays(this CellExecution cell) => cell.Outputs.OfType<DisplayDataOutput>().ToArray();

    /// <summary>The plain text of the only display of the cell.</summary>
    public static string DisplayedText(this CellExecution cell) => Assert.Single(cell.Displays()).Data[MimeTypes.PlainText];

    /// <summary>Fails with the cell's error when it did not succeed.</summary>
    public static CellExecution Succeeded(this CellExecution cell)
    {
        Assert.True(cell.Succeeded, cell.Error is { } e ? $"{e.Name}: {e.Message}" : "");
        return cell;
    }
}
