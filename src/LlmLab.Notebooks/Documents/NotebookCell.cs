using System.Text.Json.Nodes;

namespace LlmLab.Notebooks.Documents;

/// <summary>One cell of a notebook: its kernel language, its source, and for code cells the outputs of its last run.</summary>
/// <param name="Language">Kernel name (<see cref="CellLanguages"/>): <c>csharp</c>, <c>markdown</c>, or another Polyglot kernel.</param>
/// <param name="Source">The cell's text, lines separated by <c>\n</c>, without a trailing newline.</param>
public sealed record NotebookCell(string Language, string Source)
{
    /// <summary>nbformat 4.5 cell id (<c>[a-zA-Z0-9-_]{1,64}</c>); null until the notebook is written as <c>.ipynb</c>.</summary>
    public string? Id { get; init; }

    /// <summary>Outputs of the cell's last run, in order.</summary>
    public IReadOnlyList<CellOutput> Outputs { get; init; } = [];

    /// <summary>Execution count of the last run; null when the cell has not run.</summary>
    public int? ExecutionCount { get; init; }

    /// <summary>When the last run started and ended; null when unknown.</summary>
    public CellTiming? Timing { get; init; }

    /// <summary>Cell metadata LlmLab does not interpret, kept so it survives a round trip; null when none.</summary>
    public JsonObject? ExtraMetadata { get; init; }

    /// <summary>Cell properties LlmLab does not interpret (e.g. <c>attachments</c>), kept for round trips; null when none.</summary>
    public JsonObject? ExtraProperties { get; init; }

    /// <summary>Whether the cell is Markdown text.</summary>
    public bool IsMarkdown => CellLanguages.IsMarkdown(Language);

    /// <summary>Whether the cell is C# code.</summary>
    public bool IsCSharp => CellLanguages.IsCSharp(Language);

    /// <summary>A markdown cell.</summary>
    public static NotebookCell MarkdownCell(string source) => new(CellLanguages.Markdown, source);

    /// <summary>A C# cell.</summary>
    public static NotebookCell CSharpCell(string source) => new(CellLanguages.CSharp, source);
}
