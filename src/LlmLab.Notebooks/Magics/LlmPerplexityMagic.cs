using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Tokenization;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-perplexity [TEXT] [--window N] [--windows K]</c>: the perplexity of a loaded model over K independent
/// windows of N tokens of a text file, by <see cref="Perplexity"/> (as <c>llmlab perplexity</c> computes it), shown as a
/// <see cref="PerplexityResult"/>.
/// </summary>
public sealed class LlmPerplexityMagic : MagicCommand
{
    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-perplexity", "Measures a loaded model's perplexity over independent windows of a text file.")
    {
        Options =
        [
            ModelVariable.Option,
            .. StudyOptions.Perplexity,
        ],
        Arguments =
        [
            new MagicArgument("text", $"Text file, encoded line by line, each line followed by the end-of-text token; default: the embedded held-out text {EmbeddedModel.HeldOutTextRelativePath}") { IsRequired = false },
        ],
    };

    /// <inheritdoc/>
    public override Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var model = ModelVariable.Get(session, options, Invocation);
        var path = options.GetString("text") is { } given ? Path.GetFullPath(given)
            : EmbeddedModel.FindHeldOutText() ?? throw new InvalidOptionException(
                $"{Invocation}: no text file given and the embedded held-out text ({EmbeddedModel.HeldOutTextRelativePath}) was not found; give a text file.");
        if (!File.Exists(path)) throw new InvalidOptionException($"{Invocation}: text file {path} not found.");
        var tokens = Perplexity.TokenizeLines(ModelTokenizer.Load(model.ModelPath), File.ReadAllText(path), model.EosTokenIds);
        cancellationToken.ThrowIfCancellationRequested();
        var result = Perplexity.Evaluate(model, tokens, options.GetInt32("window")!.Value, options.GetInt32("windows")!.Value, options.GetInt32("batch")!.Value);
        session.Display(result);
        return Task.CompletedTask;
    }
}
