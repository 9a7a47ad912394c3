using System.Reflection;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Polyglot;

/// <summary>
/// What <c>extension.dib</c> needs to register LlmLab's magics with a Polyglot kernel without referencing
/// Microsoft.DotNet.Interactive here: the parameters of each directive, and the command text back from the
/// command object a directive handler receives.
/// </summary>
/// <remarks>
/// Polyglot parses a directive line itself, against the declared parameters, before calling the handler; it has no
/// aliases, so each short option (<c>-n</c>) is declared as a parameter of its own beside its long name
/// (<c>--max-new-tokens</c>). The handler then parses the line again with LlmLab's own parser, so both spell the same
/// option.
/// </remarks>
public static class PolyglotMagics
{
    /// <summary>Polyglot's limit for a repeatable parameter (it wants a number).</summary>
    private const int ManyOccurrences = 64;

    /// <summary>The parameters to declare on the <c>KernelActionDirective</c> of a magic.</summary>
    public static IReadOnlyList<PolyglotDirectiveParameter> ParametersOf(MagicCommand magic)
    {
        ArgumentNullException.ThrowIfNull(magic);
        var options = magic.Syntax.Options.Select(o => new PolyglotDirectiveParameter(
            "--" + o.Name, o.Description, o.IsFlag, o.IsRepeatable ? ManyOccurrences : 1, AllowImplicitName: false));
        var shortOptions = magic.Syntax.Options.Where(o => o.ShortName is not null).Select(o => new PolyglotDirectiveParameter(
            "-" + o.ShortName, $"Same as --{o.Name}.", o.IsFlag, o.IsRepeatable ? ManyOccurrences : 1, AllowImplicitName: false));
        var arguments = magic.Syntax.Arguments.Select((a, i) => new PolyglotDirectiveParameter(
            "--" + a.Name, a.Description, Flag: false, a.IsVariadic ? ManyOccurrences : 1, AllowImplicitName: i == 0));
        // -h/--help print a magic's usage in LlmLab's engine; Polyglot must accept them for the handler to see them.
        var help = new[]
        {
            new PolyglotDirectiveParameter("--help", "Show the magic's options.", Flag: true, MaxOccurrences: 1, AllowImplicitName: false),
            new PolyglotDirectiveParameter("-h", "Same as --help.", Flag: true, MaxOccurrences: 1, AllowImplicitName: false),
        };
        return options.Concat(shortOptions).Concat(help).Concat(arguments).ToArray();
    }

    /// <summary>
    /// Runs a magic's command line the way a Polyglot directive handler needs: its output and displays go to the
    /// session, and a failure comes back as one line of text for the kernel to report as the cell's error (a .NET
    /// stack trace says nothing to a notebook's reader; LlmLab's engine shows the same message).
    /// </summary>
    /// <param name="dispatcher">Finds and runs the magic.</param>
    /// <param name="commandLine">The directive line, <c>#!name args</c>.</param>
    /// <param name="session">The kernel seen as a magic session.</param>
    /// <param name="cancellationToken">The kernel's cancellation (an interrupted cell).</param>
    /// <returns>Null when the magic succeeded, else the error line.</returns>
    public static async Task<string?> RunAsync(MagicDispatcher dispatcher, string commandLine, IMagicSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        try
        {
            await dispatcher.ExecuteAsync(commandLine, session, cancellationToken);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return $"{MagicOf(commandLine)} was cancelled.";
        }
        catch (Exception exception)
        {
            return ErrorLine(exception, MagicOf(commandLine));
        }
    }

    /// <summary>
    /// One line for a failed magic: <c>#!llm-load: message</c> (the name once), with inner exceptions' messages after
    /// <c>; caused by</c>.
    /// The exception's type is named only when it is not one of LlmLab's own input errors (<see cref="LlmLabException"/>), whose message says it all.
    /// </summary>
    internal static string ErrorLine(Exception exception, string magic)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate) exception = aggregate.InnerExceptions[0];
        if (exception is TargetInvocationException { InnerException: { } inner }) exception = inner;
        var text = exception is LlmLabException ? exception.Message : $"{exception.GetType().Name}: {exception.Message}";
        for (var e = exception.InnerException; e is not null; e = e.InnerException) text += $"; caused by {e.GetType().Name}: {e.Message}";
        var line = string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // Option errors already start with the magic's name (the parser is told how it was invoked).
        return line.StartsWith(magic + ":", StringComparison.Ordinal) ? line : $"{magic}: {line}";
    }

    private static string MagicOf(string commandLine)
    {
        var trimmed = commandLine.TrimStart();
        var end = trimmed.IndexOfAny([' ', '\t']);
        return end < 0 ? trimmed : trimmed[..end];
    }

    /// <summary>
    /// The directive line (<c>#!name args</c>) that produced a Polyglot kernel command: from its
    /// <c>DirectiveNode</c> when it has one, else from the code of the <c>SubmitCode</c> it came from, else the
    /// bare magic name. Read by reflection because those members are internal or version-dependent.
    /// </summary>
    /// <param name="kernelCommand">The <c>KernelCommand</c> the directive handler received.</param>
    /// <param name="magicName">The magic's name without <c>#!</c>.</param>
    public static string CommandText(object? kernelCommand, string magicName)
    {
        var marker = "#!" + magicName;
        var node = Property(kernelCommand, "DirectiveNode");
        if (LineStartingWith(Property(node, "Text") as string ?? node?.ToString(), marker) is { } fromNode) return fromNode;
        for (var command = kernelCommand; command is not null; command = Property(command, "Parent"))
        {
            if (LineStartingWith(Property(command, "Code") as string, marker) is { } fromCode) return fromCode;
        }

        return marker;
    }

    private static object? Property(object? target, string name) =>
        target?.GetType().GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(target);

    private static string? LineStartingWith(string? text, string marker)
    {
        if (text is null) return null;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var start = line.IndexOf(marker, StringComparison.Ordinal);
            if (start < 0) continue;
            var rest = line[(start + marker.Length)..];
            if (rest.Length == 0 || char.IsWhiteSpace(rest[0])) return line[start..].TrimEnd();
        }

        return null;
    }
}
