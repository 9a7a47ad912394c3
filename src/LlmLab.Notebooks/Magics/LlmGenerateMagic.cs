using LlmLab.Generation;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-generate PROMPT [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]</c>: continues a
/// prompt with a loaded model through <see cref="TextGenerator"/> (as <c>llmlab generate</c> does), streaming the text
/// to the cell's output, then shows the <see cref="GeneratedText"/>: prompt, completion, tokens, TTFT and tokens/s.
/// </summary>
public sealed class LlmGenerateMagic : MagicCommand
{
    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-generate", "Continues a prompt with a loaded model, streaming the text, then shows TTFT and tokens/s.")
    {
        Options = [ModelVariable.Option, .. StudyOptions.Sampling],
        Arguments = [new MagicArgument("prompt", "Text to continue, in quotes when it holds spaces")],
    };

    /// <inheritdoc/>
    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var model = ModelVariable.Get(session, options, Invocation);
        var prompt = options.GetString("prompt")!;
        var sampling = StudyOptions.SamplingOptionsFrom(options);
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
