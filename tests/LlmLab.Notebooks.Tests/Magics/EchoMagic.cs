using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Tests.Magics;

/// <summary>
/// A magic written the way the engine magics will be: options in, a variable and a display out. Used to test the
/// dispatcher and the session's variable plumbing.
/// </summary>
internal sealed class EchoMagic : MagicCommand
{
    public override CommandSyntax Syntax { get; } = new("llm-echo", "Writes its text, displays its length and stores the text in a variable.")
    {
        Options =
        [
            new MagicOption("as", "Variable that receives the text") { ShortName = 'a', IsRequired = true, ValueName = "NAME" },
            new MagicOption("times", "How often to write it") { ShortName = 'n', Kind = MagicValueKind.Integer, DefaultValue = "1" },
        ],
        Arguments = [new MagicArgument("text", "What to echo")],
    };

    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var text = options.GetString("text")!;
        for (var i = 0; i < options.GetInt32("times"); i++) await session.Out.WriteLineAsync(text);
        session.Display(new[] { new { Text = text, text.Length } });
        await session.DefineVariableAsync(options.GetString("as")!, text, cancellationToken);
    }
}
