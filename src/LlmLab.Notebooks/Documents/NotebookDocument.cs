using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Documents;

/// <summary>
/// A notebook independent of its file format: ordered cells plus Polyglot's kernel information. Read and
/// written by <see cref="DibFormat"/> and <see cref="IpynbFormat"/>; <see cref="NotebookFile"/> picks by extension.
/// </summary>
/// <param name="Cells">The cells in order.</param>
public sealed record NotebookDocument(IReadOnlyList<NotebookCell> Cells)
{
    /// <summary>Kernel that runs cells with no explicit language (Polyglot's <c>defaultKernelName</c>).</summary>
    public string DefaultKernelName { get; init; } = CellLanguages.CSharp;

    /// <summary>Kernels the notebook declares (Polyglot's <c>kernelInfo.items</c>).</summary>
    public IReadOnlyList<KernelInfoItem> Kernels { get; init; } = [KernelInfoItem.CSharp];

    /// <summary>Notebook-level <c>.ipynb</c> metadata LlmLab does not interpret, kept for round trips; null when none.</summary>
    public JsonObject? ExtraMetadata { get; init; }

    /// <summary>A C#-only notebook with the given cells.</summary>
    public static NotebookDocument Create(params NotebookCell[] cells) => new(cells);
}
