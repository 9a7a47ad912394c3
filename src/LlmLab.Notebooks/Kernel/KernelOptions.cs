using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Kernel;

/// <summary>How <see cref="JupyterKernel"/> runs cells.</summary>
public sealed record KernelOptions
{
    /// <summary>
    /// Time limit of each cell; none by default, as in any Jupyter kernel (the user interrupts). The runner passes
    /// its <c>--timeout</c> here so a runaway cell ends with the session's own "Timeout" error and line.
    /// </summary>
    public TimeSpan CellTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Variables defined before the first cell (<c>-p name=value</c>).</summary>
    public IReadOnlyList<NotebookParameter> Parameters { get; init; } = [];

    /// <summary>Folder relative <c>#r</c>/<c>#load</c> paths resolve against; Jupyter starts kernels in the notebook's folder.</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;
}
