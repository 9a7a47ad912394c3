namespace LlmLab.Notebooks.Documents;

/// <summary>An error that ended a cell (nbformat <c>error</c>).</summary>
/// <param name="Name">Kind of error, e.g. <c>InvalidOperationException</c>, <c>CompilationError</c>, <c>Timeout</c>.</param>
/// <param name="Message">What went wrong, in one or a few lines.</param>
/// <param name="Traceback">Lines that locate the error in the notebook (cell and line), innermost first.</param>
public sealed record ErrorOutput(string Name, string Message, IReadOnlyList<string> Traceback) : CellOutput;
