using System.Reflection;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Execution;

/// <summary>How a <see cref="NotebookSession"/> runs cells.</summary>
public sealed record NotebookSessionOptions
{
    /// <summary>
    /// Time limit of one cell when none is given: long enough for a CPU generation or benchmark cell of a study,
    /// short enough that a forgotten infinite loop does not hold a CI run for hours.
    /// </summary>
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Maximum time one cell may run before it is stopped; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan CellTimeout { get; init; } = DefaultCellTimeout;

    /// <summary>
    /// How long a cell asked to stop may take to reach its next loop checkpoint before it is abandoned: many
    /// iterations of any loop, yet short enough that a stuck run ends promptly.
    /// </summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Folder that relative <c>#r</c> and <c>#load</c> paths in cells resolve against (the notebook's folder).</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Variables defined before the first cell.</summary>
    public IReadOnlyList<NotebookParameter> Parameters { get; init; } = [];

    /// <summary>Formatters for displayed values; null for <see cref="FormatterRegistry.CreateDefault"/>.</summary>
    public FormatterRegistry? Formatters { get; init; }

    /// <summary>Magic commands cells may use; null for <see cref="MagicRegistry.CreateDefault"/>.</summary>
    public MagicRegistry? Magics { get; init; }

    /// <summary>Assemblies cells may use besides .NET, LlmLab and LlmLab.Notebooks.</summary>
    public IReadOnlyList<Assembly> References { get; init; } = [];
}
