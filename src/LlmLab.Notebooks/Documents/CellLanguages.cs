namespace LlmLab.Notebooks.Documents;

/// <summary>
/// Kernel names of notebook cells as Polyglot Notebooks writes them (<c>#!csharp</c> in <c>.dib</c>,
/// <c>dotnet_interactive.language</c> in <c>.ipynb</c>), with the aliases Polyglot accepts.
/// </summary>
public static class CellLanguages
{
    /// <summary>C#: the only language the LlmLab engine executes.</summary>
    public const string CSharp = "csharp";

    /// <summary>Markdown text, rendered in reports and never executed.</summary>
    public const string Markdown = "markdown";

    /// <summary>An nbformat <c>raw</c> cell: text passed through untouched.</summary>
    public const string Raw = "raw";

    /// <summary>
    /// Kernel names that open a cell in a <c>.dib</c> file even when its <c>#!meta</c> block does not list them:
    /// the kernels a default Polyglot installation knows, and their aliases. Any other <c>#!name</c> line is a
    /// magic command inside the current cell.
    /// </summary>
    public static IReadOnlyDictionary<string, string> KnownKernels { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["csharp"] = CSharp, ["c#"] = CSharp, ["C#"] = CSharp,
        ["fsharp"] = "fsharp", ["f#"] = "fsharp", ["F#"] = "fsharp",
        ["pwsh"] = "pwsh", ["powershell"] = "pwsh",
        ["javascript"] = "javascript", ["js"] = "javascript",
        ["html"] = "html",
        ["markdown"] = Markdown, ["md"] = Markdown,
        ["mermaid"] = "mermaid",
        ["sql"] = "sql",
        ["kql"] = "kql",
        ["http"] = "http",
        ["value"] = "value",
    };

    /// <summary>Whether a cell of this kernel name holds C# code.</summary>
    public static bool IsCSharp(string language) => language == CSharp || language is "c#" or "C#" or "cs";

    /// <summary>Whether a cell of this kernel name holds Markdown text.</summary>
    public static bool IsMarkdown(string language) => language is Markdown or "md";
}
