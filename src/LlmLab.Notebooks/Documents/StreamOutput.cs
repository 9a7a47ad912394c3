namespace LlmLab.Notebooks.Documents;

/// <summary>Text a cell wrote to standard output or standard error (nbformat <c>stream</c>).</summary>
/// <param name="Name"><see cref="StandardOutput"/> or <see cref="StandardError"/>.</param>
/// <param name="Text">The text, with its newlines.</param>
public sealed record StreamOutput(string Name, string Text) : CellOutput
{
    /// <summary>Stream name of <see cref="Console.Out"/>.</summary>
    public const string StandardOutput = "stdout";

    /// <summary>Stream name of <see cref="Console.Error"/>.</summary>
    public const string StandardError = "stderr";
}
