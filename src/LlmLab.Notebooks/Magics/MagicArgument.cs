namespace LlmLab.Notebooks.Magics;

/// <summary>A positional argument of a magic command, e.g. the prompt of a generate command.</summary>
/// <param name="Name">Name used in help text (upper-cased) and to read the value, e.g. <c>prompt</c>.</param>
/// <param name="Description">One line for the help text.</param>
public sealed record MagicArgument(string Name, string Description)
{
    /// <summary>Whether the command fails when the argument is missing.</summary>
    public bool IsRequired { get; init; } = true;

    /// <summary>Whether the argument takes every remaining positional value (only the last argument may).</summary>
    public bool IsVariadic { get; init; }
}
