using LlmLab.Notebooks.Magics;

namespace LlmLab.Cli;

/// <summary>One <c>llmlab</c> command: its options (parsed and shown in help from <paramref name="Syntax"/>) and what runs it.</summary>
/// <param name="Syntax">Name, description, options and arguments; <c>Syntax.Name</c> is the word after <c>llmlab</c>.</param>
/// <param name="Run">Runs the command on parsed, range-checked options and returns the exit code.</param>
internal sealed record CliCommand(CommandSyntax Syntax, Func<MagicOptionValues, int> Run)
{
    /// <summary>The word after <c>llmlab</c>, e.g. <c>bench</c>.</summary>
    public string Name => Syntax.Name;

    /// <summary>How messages and help name it, e.g. <c>llmlab bench</c>.</summary>
    public string Invocation => "llmlab " + Syntax.Name;
}
