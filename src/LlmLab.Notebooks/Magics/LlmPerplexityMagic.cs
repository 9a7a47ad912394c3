using System.Globalization;
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
    /// <summary>Tokens per window when --window is not given.</summary>
    public const int DefaultWindow = 256;

    /// <summary>Windows when --windows is not given: a quick estimate (the README's reference uses 32).</summary>
    public const int DefaultWindows = 8;

    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-perplexity", "Measures a loaded model's perplexity over independent windows of a text file.")
    {
        Options =
        [
            ModelVariable.Option,
            new MagicOption("window", "Tokens per window; tokens 1..N-1 of each are scored") { ShortName = 'w', Kind = MagicValueKind.Integer, DefaultValue = Text(DefaultWindow), ValueName = "N" },
            new MagicOption("windows", "Windows taken from the start of the text") { ShortName = 'k', Kind = MagicValueKind.Integer, DefaultValue = Text(DefaultWindows), ValueName = "K" },
            new MagicOption("batch", "Windows evaluated together") { Kind = MagicValueKind.Integer, DefaultValue = "4", ValueName = "B" },
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

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
