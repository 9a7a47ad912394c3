using System.Text.Json;
using LlmLab.Notebooks.Magics;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab tokenize</c>: JSON array of strings on stdin → JSON array of id arrays on stdout.</summary>
internal static class TokenizeCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("tokenize", "Reads a JSON array of strings on stdin and writes a JSON array of token-id arrays on stdout.")
    {
        Options =
        [
            new MagicOption("tokenizer", "tokenizer.json (or .json.gz)") { IsRequired = true, ValueName = "FILE" },
            new MagicOption("add-special-tokens", "Add the tokenizer's special tokens (BOS) as its template says") { IsFlag = true },
        ],
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        string path = o.GetString("tokenizer")!;
        bool special = o.GetFlag("add-special-tokens");
        var tokenizer = Tokenizer.FromFile(path);
        string[]? texts;
        try { texts = JsonSerializer.Deserialize<string[]>(Console.In.ReadToEnd()); }
        catch (JsonException e) { throw new InvalidInputException($"stdin is not a JSON array of strings ({e.Message})"); }
        if (texts is null || texts.Any(t => t is null)) throw new InvalidInputException("stdin must be a JSON array of strings");
        Console.WriteLine(JsonSerializer.Serialize(texts.Select(t => tokenizer.Encode(t, special)).ToArray()));
        return ExitCodes.Success;
    }
}
