namespace LlmLab.Notebooks.Magics;

/// <summary>
/// A magic command: a line <c>#!name options</c> at the start of a cell. A magic is one small class: it declares its
/// <see cref="Syntax"/> (options, arguments, help) and implements <see cref="ExecuteAsync"/>, which receives the
/// parsed options and the session it runs in. Register it in a <see cref="MagicRegistry"/>.
/// </summary>
/// <example>
/// <code>
/// public sealed class EchoMagic : MagicCommand
/// {
///     public override CommandSyntax Syntax { get; } = new("llm-echo", "Writes its text and defines a variable.")
///     {
///         Options = [new MagicOption("as", "Variable to define") { ShortName = 'a', IsRequired = true, ValueName = "NAME" }],
///         Arguments = [new MagicArgument("text", "What to echo")],
///     };
///
///     public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
///     {
///         var text = options.GetString("text")!;
///         session.Out.WriteLine(text);
///         await session.DefineVariableAsync(options.GetString("as")!, text, cancellationToken);
///     }
/// }
/// </code>
/// </example>
public abstract class MagicCommand
{
    /// <summary>Name, description, options and arguments; <c>Syntax.Name</c> is the name after <c>#!</c>.</summary>
    public abstract CommandSyntax Syntax { get; }

    /// <summary>Name after <c>#!</c>, e.g. <c>llm-help</c>.</summary>
    public string Name => Syntax.Name;

    /// <summary>How the magic is written in a cell, e.g. <c>#!llm-help</c>.</summary>
    public string Invocation => "#!" + Syntax.Name;

    /// <summary>Runs the magic.</summary>
    /// <param name="options">The parsed, validated command line.</param>
    /// <param name="session">The notebook session: output, display, variables.</param>
    /// <param name="cancellationToken">Signalled when the cell is cancelled or times out.</param>
    public abstract Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken);
}
