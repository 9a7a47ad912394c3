using LlmLab.Backends;
using LlmLab.Generation;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab generate</c>: stream a continuation of a prompt.</summary>
internal static class GenerateCommand
{
    public static readonly string[] Flags = ["no-special-tokens", "stats"];

    public const string Usage = """
        generate [--model DIR|FILE.gguf] --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S] [--device cpu|cuda:N] [--dtype f32|bf16] [--quant TYPE] [--stats]
          Greedy when no temperature is given; streams text as it is produced. --stats prints TTFT, tok/s and resident memory to stderr.
        """;

    public static int Run(Arguments a)
    {
        string? model = a.String("model"), device = a.String("device");
        string prompt = a.Required("prompt");
        var dtype = ModelLocator.ParseDType(a.String("dtype"));
        var quant = ModelLocator.ParseQuant(a.String("quant"));
        int maxNew = a.Int("max-new-tokens", 0, 1 << 20) ?? 64;
        var sampling = new SamplingOptions(a.Float("temperature"), a.Int("top-k"), a.Float("top-p"), a.Float("repetition-penalty") ?? 1f, a.Int("seed"));
        bool addSpecial = !a.Flag("no-special-tokens"), stats = a.Flag("stats");
        a.EnsureAllUsed();
        sampling.Validate();
        using var transformer = ModelLocator.Load(model, device, dtype, 1, 4096 + maxNew, quant);
        Console.Write(prompt);
        var result = TextGenerator.ForModel(transformer).Generate(prompt, maxNew, sampling, text =>
        {
            Console.Write(text);
            Console.Out.Flush();
        }, addSpecial);
        Console.WriteLine();
        if (stats)
            Console.Error.WriteLine($"{result.PromptTokens} prompt tokens, {result.NewTokens} new ({result.Stop}); TTFT {result.TimeToFirstTokenMs:F1} ms; decode {result.DecodeTokensPerSecond:F1} tok/s on {result.Device}; " +
                $"resident {LlmLab.Backends.ByteCount.Format(Environment.WorkingSet)} (weights stay memory-mapped, off the managed heap: GC heap {LlmLab.Backends.ByteCount.Format(GC.GetTotalMemory(false))})");
        return 0;
    }
}
