using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks;

/// <summary>What <see cref="NotebookRunner"/> runs and where it writes the results.</summary>
/// <param name="InputPath">The notebook to run: <c>.dib</c> or <c>.ipynb</c>.</param>
public sealed record NotebookRunOptions(string InputPath)
{
    /// <summary>
    /// Where the executed notebook (<c>.ipynb</c>, with outputs) is written; null for <see cref="DefaultOutputPath"/>.
    /// </summary>
    public string? OutputPath { get; init; }

    /// <summary>Where the self-contained HTML report is written; null for no report.</summary>
    public string? HtmlPath { get; init; }

    /// <summary>Variables defined before the first cell (<c>-p name=value</c>).</summary>
    public IReadOnlyList<NotebookParameter> Parameters { get; init; } = [];

    /// <summary>Whether cells after a failed one still run (the run still ends with exit code 2).</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>Time limit of each cell.</summary>
    public TimeSpan CellTimeout { get; init; } = NotebookSessionOptions.DefaultCellTimeout;

    /// <summary>The executed notebook's path when none is given: <c>NAME.executed.ipynb</c> beside the input.</summary>
    public string DefaultOutputPath =>
        Path.Combine(Path.GetDirectoryName(InputPath) ?? "", Path.GetFileNameWithoutExtension(InputPath) + ".executed.ipynb");
}
