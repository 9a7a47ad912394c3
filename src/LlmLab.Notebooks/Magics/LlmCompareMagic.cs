using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Tokenization;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-compare [--base NAME] [--model NAME] [--text FILE] [--ctx N] [--chunks K]</c>: a loaded model's next-token
/// distributions against a loaded base model's over a text, by <see cref="ModelComparison"/> (as <c>llmlab compare</c>
/// and <c>llama-perplexity --kl-divergence</c> compute them), shown as a <see cref="CompareResult"/>. Each model runs
/// where <c>#!llm-load</c> put it.
/// </summary>
public sealed class LlmCompareMagic : MagicCommand
{
    /// <summary>Variable holding the base model when --base is not given (<c>base</c> itself is a C# keyword, so no variable can take it).</summary>
    public const string DefaultBaseName = "baseModel";

    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-compare", "Compares a loaded model's next-token distributions with a base model's (KL divergence, as llama-perplexity).")
    {
        Options =
        [
            new MagicOption("base", "Variable holding the base (reference) model loaded by #!llm-load") { ShortName = 'b', DefaultValue = DefaultBaseName, ValueName = "NAME" },
            ModelVariable.Option,
            new MagicOption("text", $"Text file, tokenized whole with the base's tokenizer; default: the embedded held-out text {EmbeddedModel.HeldOutTextRelativePath}") { ShortName = 't', ValueName = "FILE" },
            .. StudyOptions.Compare,
        ],
    };

    /// <inheritdoc/>
    public override Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var baseModel = ModelVariable.Get(session, options.GetString("base")!, Invocation);
        var model = ModelVariable.Get(session, options, Invocation);
        var path = options.GetString("text") is { } given ? Path.GetFullPath(given)
            : EmbeddedModel.FindHeldOutText() ?? throw new InvalidOptionException(
                $"{Invocation}: no text file given and the embedded held-out text ({EmbeddedModel.HeldOutTextRelativePath}) was not found; give one with --text.");
        if (!File.Exists(path)) throw new InvalidOptionException($"{Invocation}: text file {path} not found.");
        var text = ComparisonText.Encode(ModelTokenizer.Load(baseModel.ModelPath), File.ReadAllText(path), path);
        var result = ModelComparison.Run(baseModel, model, text, options.GetInt32("ctx")!.Value, options.GetInt32("chunks"), cancellationToken: cancellationToken);
        session.Display(result);
        return Task.CompletedTask;
    }
}
