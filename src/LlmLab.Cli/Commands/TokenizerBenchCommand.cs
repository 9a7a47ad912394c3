using LlmLab.Measurement;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab bench-tokenizer</c>: single-thread encode throughput.</summary>
internal static class TokenizerBenchCommand
{
    public static readonly string[] Flags = [];

    public const string Usage = """
        bench-tokenizer --tokenizer FILE --text FILE [--repetitions R]
          Encodes the text single-threaded (after a warm-up pass) and prints MB/s and tokens/s with the arithmetic.
        """;

    public static int Run(Arguments a)
    {
        string path = a.Required("tokenizer"), text = a.Required("text");
        int repetitions = a.Int("repetitions", 1, 1000) ?? 5;
        a.EnsureAllUsed();
        if (!File.Exists(text)) throw new UsageException($"bench-tokenizer: --text {text} not found");
        var result = TokenizerBenchmark.Run(Tokenizer.FromFile(path), File.ReadAllText(text), repetitions);
        Console.WriteLine(result.Describe());
        return 0;
    }
}
