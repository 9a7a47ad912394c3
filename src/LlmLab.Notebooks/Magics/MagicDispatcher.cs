namespace LlmLab.Notebooks.Magics;

/// <summary>
/// Runs one magic command line (<c>#!name args</c>): splits it into words, finds the magic, parses its options,
/// prints help for <c>-h</c>/<c>--help</c>, and executes it. Both LlmLab's engine and the Polyglot extension
/// forward command text here.
/// </summary>
/// <param name="registry">The magics that can be run.</param>
public sealed class MagicDispatcher(MagicRegistry registry)
{
    /// <summary>The magics that can be run.</summary>
    public MagicRegistry Registry => registry;

    /// <summary>Whether a line is a magic command line (<c>#!</c> followed by a name).</summary>
    public static bool IsMagicLine(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("#!", StringComparison.Ordinal) && trimmed.Length > 2 && !char.IsWhiteSpace(trimmed[2]);
    }

    /// <summary>Runs a magic command line.</summary>
    /// <param name="commandLine">The whole line, e.g. <c>#!llm-help --help</c>.</param>
    /// <param name="session">Where the magic writes, displays and defines variables.</param>
    /// <param name="cancellationToken">Cancels the magic.</param>
    /// <exception cref="InvalidOptionException">Unknown magic, unknown or missing options, malformed values.</exception>
    public async Task ExecuteAsync(string commandLine, IMagicSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var trimmed = commandLine.Trim();
        if (!IsMagicLine(trimmed))
        {
            throw new InvalidOptionException($"`{trimmed}` is not a magic command: a magic line starts with #! followed by its name, e.g. #!llm-help.");
        }

        var words = MagicCommandLine.Split(trimmed[2..]);
        var name = words[0];
        if (!registry.TryGet(name, out var command))
        {
            var known = string.Join(", ", registry.Commands.Select(c => c.Invocation));
            throw new InvalidOptionException($"Unknown magic command #!{name}. Known magics: {known}. Run #!llm-help to list them with descriptions.");
        }

        var options = MagicOptionParser.Parse(command.Syntax, words.Skip(1).ToArray(), command.Invocation);
        if (options.HelpRequested)
        {
            await session.Out.WriteLineAsync(command.Syntax.Usage(command.Invocation));
            return;
        }

        foreach (var warning in options.Warnings) await session.Out.WriteLineAsync(warning);
        await command.ExecuteAsync(options, session, cancellationToken);
    }
}
