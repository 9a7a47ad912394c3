namespace LlmLab.Notebooks.Documents;

/// <summary>
/// A notebook file (<c>.dib</c> or <c>.ipynb</c>) cannot be read: the message names the file, where it went wrong
/// (line and position, or the JSON field) and what to do about it.
/// </summary>
public sealed class NotebookFormatException(string message, Exception? inner = null) : LlmLabException(message, inner);
