using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab generate</c>: stream a continuation of a prompt (its sampling options are <c>#!llm-generate</c>'s).</summary>
internal static class GenerateCommand
{
    /// <summary>Context reserved for the prompt on top of --max-new-tokens (tokens); longer prompts are refused by the generator.</summary>
    private const int PromptContext = 4096;

    public static CliCommand Command { get; } = new(new CommandSyntax("generate", "Streams a continuation of a prompt; greedy unless --temperature is given.")
    {
        Options =
        [
            .. CliOptions.Loading(CliOptions.Model),
            new MagicOption("prompt", "Text to continue") { IsRequired = true, ValueName = "TEXT" },
            .. StudyOptions.Sampling,
            new MagicOption("no-special-tokens", "Encode the prompt without the tokenizer's special tokens (BOS)") { IsFlag = true },
            new MagicOption("stats", "Print TTFT, tok/s and resident memory to stderr") { IsFlag = true },
        ],
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        string prompt = o.GetString("prompt")!;
        int maxNew = o.GetInt32("max-new-tokens")!.Value;
        var sampling = StudyOptions.SamplingOptionsFrom(o);
        using var transformer = ModelLocator.Load(o, batch: 1, context: PromptContext + maxNew);
        Console.Write(prompt);
        var result = TextGenerator.ForModel(transformer).Generate(prompt, maxNew, sampling, text =>
        {
            Console.Write(text);
            Console.Out.Flush();
        }, addSpecialTokens: !o.GetFlag("no-special-tokens"));
        Console.WriteLine();
        if (o.GetFlag("stats"))
            Console.Error.WriteLine($"{result.PromptTokens} prompt tokens, {result.NewTokens} new ({result.Stop}); TTFT {result.TimeToFirstTokenMs:F1} ms; decode {result.DecodeTokensPerSecond:F1} tok/s on {result.Device}; " +
                $"resident {ByteCount.Format(Environment.WorkingSet)} (weights stay memory-mapped, off the managed heap: GC heap {ByteCount.Format(GC.GetTotalMemory(false))})");
        return ExitCodes.Success;
    }
}
