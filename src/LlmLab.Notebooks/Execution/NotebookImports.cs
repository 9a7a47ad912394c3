namespace LlmLab.Notebooks.Execution;

/// <summary>Namespaces every notebook session imports before the first cell, so cells need no <c>using</c> lines.</summary>
public static class NotebookImports
{
    /// <summary>
    /// The LlmLab engine's namespaces, preloaded in every session. The one list to extend as the engine grows
    /// (every entry must exist in the LlmLab assembly, or every cell fails to compile).
    /// </summary>
    public static readonly IReadOnlyList<string> EngineNamespaces =
    [
        "LlmLab",
        "LlmLab.Backends",
        "LlmLab.Evaluation",
        "LlmLab.Generation",
        "LlmLab.Measurement",
        "LlmLab.Models",
        "LlmLab.Tensors",
        "LlmLab.Tokenization",
    ];

    /// <summary>The notebook layer's namespaces: charts, formatters, magics.</summary>
    public static readonly IReadOnlyList<string> NotebookNamespaces =
    [
        "LlmLab.Notebooks.Charts",
        "LlmLab.Notebooks.Formatting",
    ];

    /// <summary>.NET namespaces a study notebook uses all the time.</summary>
    public static readonly IReadOnlyList<string> SystemNamespaces =
    [
        "System",
        "System.Collections.Generic",
        "System.Diagnostics",
        "System.Globalization",
        "System.IO",
        "System.Linq",
        "System.Text",
        "System.Threading",
        "System.Threading.Tasks",
    ];

    /// <summary>Everything imported, in order: system, engine, notebook namespaces.</summary>
    public static IEnumerable<string> All => SystemNamespaces.Concat(EngineNamespaces).Concat(NotebookNamespaces);
}
