using System.Text;

namespace LlmLab.Cli;

/// <summary>The overview <c>llmlab --help</c> prints: every command, <c>run</c> included, with its one-line description.</summary>
internal static class CliHelp
{
    public static string Overview(IReadOnlyList<CliCommand> commands)
    {
        var rows = new List<(string Name, string Description)> { ("run", LlmLab.Notebooks.RunCommand.Syntax.Description) };
        rows.AddRange(commands.Select(c => (c.Name, c.Syntax.Description)));
        int width = rows.Max(r => r.Name.Length) + 2;
        var text = new StringBuilder("usage: llmlab COMMAND [options]   (llmlab COMMAND --help for its options)\n\ncommands:\n");
        text.AppendJoin('\n', rows.Select(r => "  " + r.Name.PadRight(width) + r.Description));
        text.Append("\n\nexit codes: 0 done; 1 a bad data file (checkpoint, tokenizer, text, notebook); 2 a wrong command line; 3 a failing CUDA call");
        return text.ToString();
    }
}
