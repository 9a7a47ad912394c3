using System.Text.Json;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab tokenize</c>: JSON array of strings on stdin → JSON array of id arrays on stdout.</summary>
internal static class TokenizeCommand
{
    public static readonly string[] Flags = ["add-special-tokens"];

    public const string Usage = """
        tokenize --tokenizer FILE [--add-special-tokens]
          Reads a JSON array of strings on stdin and writes a JSON array of token-id arrays on stdout.
        """;

    public static int Run(Arguments a)
    {
        string path = a.Required("tokenizer");
        bool special = a.Flag("add-special-tokens");
        a.EnsureAllUsed();
        var tokenizer = Tokenizer.FromFile(path);
        string[]? texts;
        try { texts = JsonSerializer.Deserialize<string[]>(Console.In.ReadToEnd()); }
        catch (JsonException e) { throw new UsageException($"tokenize: stdin is not a JSON array of strings ({e.Message})"); }
        if (texts is null || texts.Any(t => t is null)) throw new UsageException("tokenize: stdin must be a JSON array of strings");
        Console.WriteLine(JsonSerializer.Serialize(texts.Select(t => tokenizer.Encode(t, special)).ToArray()));
        return 0;
    }
}
