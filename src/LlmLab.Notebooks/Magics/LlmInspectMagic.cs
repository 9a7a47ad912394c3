using LlmLab.Measurement;
using LlmLab.Models;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-inspect [MODEL]</c>: validates a model folder (or the folder of a loaded model) as loading would and shows
/// its <see cref="ModelSummary"/>: architecture, parameters, dtypes, weights by tensor group, KV-cache bytes per token.
/// </summary>
public sealed class LlmInspectMagic : MagicCommand
{
    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-inspect", "Shows a model's architecture, parameters and weights by tensor group, without loading it.")
    {
        Arguments =
        [
            new MagicArgument("model", $"A model folder, or a variable holding a loaded model; default: the embedded model {EmbeddedModel.RelativeDirectory}") { IsRequired = false },
        ],
    };

    /// <inheritdoc/>
    public override Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var given = options.GetString("model");
        if (given is not null && VariableNames.IsValid(given) && session.TryGetVariable(given, out var value) && value is Transformer loaded)
        {
            session.Display(ModelSummary.Of(loaded));
            return Task.CompletedTask;
        }
        string path = EmbeddedModel.Resolve(given);
        if (given is not null && !Directory.Exists(path) && !File.Exists(path))
            throw new InvalidOptionException($"#!llm-inspect: '{given}' is neither a model folder, a .gguf file nor a variable holding a model loaded by #!llm-load.");
        session.Display(ModelSummary.Inspect(path));
        return Task.CompletedTask;
    }
}
