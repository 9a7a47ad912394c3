using LlmLab.Measurement;
using LlmLab.Notebooks.Magics;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab bench-tokenizer</c>: single-thread encode throughput.</summary>
internal static class TokenizerBenchCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("bench-tokenizer", "Measures single-thread encode throughput (MB/s and tokens/s, with the arithmetic).")
    {
        Options =
        [
            new MagicOption("tokenizer", "tokenizer.json (or .json.gz)") { IsRequired = true, ValueName = "FILE" },
            new MagicOption("text", "Text to encode") { ShortName = 't', IsRequired = true, ValueName = "FILE" },
            new MagicOption("repetitions", "Timed passes after one warm-up pass") { ShortName = 'r', Kind = MagicValueKind.Integer, DefaultValue = "5", Minimum = 1, Maximum = 1000, ValueName = "R" },
        ],
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        string path = o.GetString("tokenizer")!, text = o.GetString("text")!;
        int repetitions = o.GetInt32("repetitions")!.Value;
        if (!File.Exists(text)) throw new UsageException($"--text {text} not found");
        var result = TokenizerBenchmark.Run(Tokenizer.FromFile(path), File.ReadAllText(text), repetitions);
        Console.WriteLine(result.Describe());
        return ExitCodes.Success;
    }
}
