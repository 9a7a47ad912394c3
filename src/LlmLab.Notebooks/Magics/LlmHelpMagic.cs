namespace LlmLab.Notebooks.Magics;

/// <summary><c>#!llm-help [MAGIC]</c>: lists the registered magics, or prints the help of one.</summary>
/// <param name="registry">The registry whose magics are listed.</param>
public sealed class LlmHelpMagic(MagicRegistry registry) : MagicCommand
{
    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-help", "Lists the LlmLab magic commands, or shows the options of one.")
    {
        Arguments = [new MagicArgument("magic", "A magic to describe, e.g. llm-help or #!llm-help") { IsRequired = false }],
    };

    /// <inheritdoc/>
    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        if (options.GetString("magic") is { } wanted)
        {
            var name = wanted.StartsWith("#!", StringComparison.Ordinal) ? wanted[2..] : wanted;
            if (!registry.TryGet(name, out var command))
            {
                throw new InvalidOptionException($"#!llm-help: no magic named #!{name}. Known magics: {string.Join(", ", registry.Commands.Select(c => c.Invocation))}.");
            }

            await session.Out.WriteLineAsync(command.Syntax.Usage(command.Invocation));
            return;
        }

        session.Display(registry.Commands.Select(c => new MagicSummary(c.Invocation, c.Syntax.Description, UsageLine(c))).ToArray());
        await session.Out.WriteLineAsync("Run a magic with --help (e.g. #!llm-help --help) to see its options.");
    }

    private static string UsageLine(MagicCommand command)
    {
        var usage = command.Syntax.Usage(command.Invocation);
        var line = usage.Split('\n').First(l => l.StartsWith("Usage: ", StringComparison.Ordinal));
        return line["Usage: ".Length..];
    }
}
