using System.Text.Json;
using LlmLab.Evaluation;
using LlmLab.Measurement;
using LlmLab.Tokenization;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab perplexity</c>: perplexity over independent windows of a text file.</summary>
internal static class PerplexityCommand
{
    public static readonly string[] Flags = ["json"];

    public const string Usage = """
        perplexity --model DIR|FILE.gguf --text FILE --window N --windows K [--batch B] [--device cpu|cuda:N] [--dtype f32|bf16] [--quant TYPE] [--json]
          The text is encoded line by line, each line followed by the end-of-text token; the first K·N tokens
          form K independent windows of N; reports the mean NLL of tokens 1..N−1 of each window and its exp.
        """;

    public static int Run(Arguments a)
    {
        string? model = a.String("model"), device = a.String("device");
        string text = a.Required("text");
        int window = a.Int("window", 2) ?? throw new UsageException("perplexity: --window is required");
        int windows = a.Int("windows", 1) ?? throw new UsageException("perplexity: --windows is required");
        int batch = a.Int("batch", 1, 4096) ?? 4;
        var dtype = ModelLocator.ParseDType(a.String("dtype"));
        var quant = ModelLocator.ParseQuant(a.String("quant"));
        bool json = a.Flag("json");
        a.EnsureAllUsed();
        if (!File.Exists(text)) throw new UsageException($"perplexity: --text {text} not found");
        using var transformer = ModelLocator.Load(model, device, dtype, batch, window, quant);
        var tokenizer = ModelTokenizer.Load(transformer.ModelPath);
        var tokens = Perplexity.TokenizeLines(tokenizer, File.ReadAllText(text), transformer.EosTokenIds);
        var result = Perplexity.Evaluate(transformer, tokens, window, windows, batch);
        Console.WriteLine(json ? JsonSerializer.Serialize(result, BenchResult.JsonOptions)
            : $"perplexity {result.Perplexity:F3} (mean NLL {result.MeanNll:F5} nats over {result.TokensScored} tokens, {result.Windows} windows of {result.WindowLength}) in {result.Seconds:F1} s on {result.Device}");
        return 0;
    }
}
