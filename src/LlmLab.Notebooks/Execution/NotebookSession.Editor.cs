using Microsoft.CodeAnalysis;

namespace LlmLab.Notebooks.Execution;

/// <summary>What an editor asks of a session between cells: the compilation a cell would have, for completion and inspection.</summary>
public sealed partial class NotebookSession
{
    /// <summary>File name of editor compilations, so they never collide with a cell's submission path.</summary>
    private const string EditorFileName = "llmlab-editor.csx";

    /// <summary>
    /// The compilation of <paramref name="code"/> as the next cell, seeing every variable, function and type earlier
    /// cells defined, with the session's references and imports. Nothing runs and the session does not change.
    /// </summary>
    /// <param name="code">C# with magic lines already blanked (positions must match the cell as the editor sees it).</param>
    internal Compilation CompileForEditor(string code) =>
        Volatile.Read(ref _state).Script
            .ContinueWith(code, _scriptOptions.WithFilePath(Path.Combine(Options.BaseDirectory, EditorFileName)))
            .GetCompilation();
}
