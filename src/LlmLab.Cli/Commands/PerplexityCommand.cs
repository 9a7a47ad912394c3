using System.Text.Json;
using LlmLab.Evaluation;
using LlmLab.Measurement;
using LlmLab.Notebooks.Magics;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab perplexity</c>: perplexity over independent windows of a text file (its options are <c>#!llm-perplexity</c>'s).</summary>
internal static class PerplexityCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("perplexity", "Measures perplexity over independent windows of a text file.")
    {
        Options =
        [
            .. CliOptions.Loading(CliOptions.Model),
            new MagicOption("text", "Text file, encoded line by line") { ShortName = 't', IsRequired = true, ValueName = "FILE" },
            .. StudyOptions.Perplexity,
            CliOptions.Json,
        ],
        Details = """
            The text is encoded line by line, each line followed by the end-of-text token; the first K·N tokens
            form K independent windows of N; reports the mean NLL of tokens 1..N−1 of each window and its exp.
            """,
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        string text = o.GetString("text")!;
        int window = o.GetInt32("window")!.Value, windows = o.GetInt32("windows")!.Value, batch = o.GetInt32("batch")!.Value;
        if (!File.Exists(text)) throw new UsageException($"--text {text} not found");
        using var transformer = ModelLocator.Load(o, batch, window);
        var tokenizer = ModelTokenizer.Load(transformer.ModelPath);
        var tokens = Perplexity.TokenizeLines(tokenizer, File.ReadAllText(text), transformer.EosTokenIds);
        var result = Perplexity.Evaluate(transformer, tokens, window, windows, batch);
        Console.WriteLine(o.GetFlag("json") ? JsonSerializer.Serialize(result, BenchResult.JsonOptions)
            : $"perplexity {result.Perplexity:F3} (mean NLL {result.MeanNll:F5} nats over {result.TokensScored} tokens, {result.Windows} windows of {result.WindowLength}) in {result.Seconds:F1} s on {result.Device}");
        return ExitCodes.Success;
    }
}
