using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Tests.Magics;

/// <summary>A magic that reads a variable an earlier cell defined, as <c>#!llm-generate --model m</c> will.</summary>
internal sealed class ShoutMagic : MagicCommand
{
    public override CommandSyntax Syntax { get; } = new("llm-shout", "Upper-cases the text held by a variable.")
    {
        Options = [new MagicOption("from", "Variable holding the text") { IsRequired = true }],
    };

    public override Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        session.Out.Write(session.GetVariable<string>(options.GetString("from")!).ToUpperInvariant());
        return Task.CompletedTask;
    }
}
