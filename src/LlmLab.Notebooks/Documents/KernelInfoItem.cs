namespace LlmLab.Notebooks.Documents;

/// <summary>
/// One kernel of a Polyglot notebook's <c>kernelInfo</c> block (<c>#!meta</c> in <c>.dib</c>,
/// <c>metadata.polyglot_notebook.kernelInfo.items</c> in <c>.ipynb</c>).
/// </summary>
/// <param name="Name">Kernel name, e.g. <c>csharp</c>.</param>
/// <param name="Aliases">Other names that select the kernel, e.g. <c>C#</c>.</param>
/// <param name="LanguageName">Language of the kernel when Polyglot recorded one, e.g. <c>C#</c>.</param>
public sealed record KernelInfoItem(string Name, IReadOnlyList<string> Aliases, string? LanguageName = null)
{
    /// <summary>The item Polyglot writes for a notebook that uses C# only.</summary>
    public static KernelInfoItem CSharp { get; } = new(CellLanguages.CSharp, []);
}
