using LlmLab.Generation;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-generate PROMPT [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]</c>: continues a
/// prompt with a loaded model through <see cref="TextGenerator"/> (as <c>llmlab generate</c> does), streaming the text
/// to the cell's output, then shows the <see cref="GeneratedText"/>: prompt, completion, tokens, TTFT and tokens/s.
/// </summary>
public sealed class LlmGenerateMagic : MagicCommand
{
    /// <summary>Tokens generated when --max-new-tokens is not given (the CLI's default).</summary>
    public const int DefaultMaxNewTokens = 64;

    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-generate", "Continues a prompt with a loaded model, streaming the text, then shows TTFT and tokens/s.")
    {
        Options =
        [
            ModelVariable.Option,
            new MagicOption("max-new-tokens", "Most tokens to generate (it stops earlier at the end-of-sequence token)") { ShortName = 'n', Kind = MagicValueKind.Integer, DefaultValue = DefaultMaxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), ValueName = "N" },
            new MagicOption("temperature", "Sampling temperature; greedy (argmax) when absent or 0") { ShortName = 't', Kind = MagicValueKind.Number, ValueName = "T" },
            new MagicOption("top-k", "Sample among the K most likely tokens only (0: all)") { ShortName = 'k', Kind = MagicValueKind.Integer, ValueName = "K" },
            new MagicOption("top-p", "Sample among the most likely tokens whose probabilities sum to P (1: all)") { Kind = MagicValueKind.Number, ValueName = "P" },
            new MagicOption("repetition-penalty", "Penalty on tokens already seen (1: none)") { Kind = MagicValueKind.Number, DefaultValue = "1", ValueName = "R" },
            new MagicOption("seed", "Seed of the sampling draws, for a reproducible continuation") { ShortName = 's', Kind = MagicValueKind.Integer, ValueName = "S" },
        ],
        Arguments = [new MagicArgument("prompt", "Text to continue, in quotes when it holds spaces")],
    };

    /// <inheritdoc/>
    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var model = ModelVariable.Get(session, options, Invocation);
        var prompt = options.GetString("prompt")!;
        var sampling = new SamplingOptions(
            (float?)options.GetDouble("temperature"), options.GetInt32("top-k"), (float?)options.GetDouble("top-p"),
            (float)options.GetDouble("repetition-penalty")!.Value, options.GetInt32("seed"));
        var generator = TextGenerator.ForModel(model);
        await session.Out.WriteAsync(prompt);
        var result = generator.Generate(prompt, options.GetInt32("max-new-tokens")!.Value, sampling, text =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            session.Out.Write(text);
        });
        await session.Out.WriteLineAsync();
        session.Display(result);
    }
}
