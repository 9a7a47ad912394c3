using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Kernel;

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

    /// <summary>
    /// Time limit of each cell when none is given (<c>--timeout</c>): long enough for a CPU benchmark cell of a
    /// study, short enough that a forgotten endless loop does not hold a CI run for long.
    /// </summary>
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Time limit of each cell; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan CellTimeout { get; init; } = DefaultCellTimeout;

    /// <summary>
    /// How to start an LlmLab kernel process that runs the cells (what <c>llmlab run</c> does), so a cell that
    /// exits, overflows the stack or hangs fails alone; null runs them in this process.
    /// </summary>
    public KernelLaunch? Kernel { get; init; }

    /// <summary>The notebook's folder: relative <c>#r</c> and <c>#load</c> paths in cells resolve against it.</summary>
    public string NotebookDirectory => Path.GetDirectoryName(Path.GetFullPath(InputPath)) ?? Environment.CurrentDirectory;

    /// <summary>The executed notebook's path when none is given: <c>NAME.executed.ipynb</c> beside the input.</summary>
    public string DefaultOutputPath =>
        Path.Combine(Path.GetDirectoryName(InputPath) ?? "", Path.GetFileNameWithoutExtension(InputPath) + ".executed.ipynb");
}
