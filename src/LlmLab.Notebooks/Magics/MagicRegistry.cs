namespace LlmLab.Notebooks.Magics;

/// <summary>The magic commands a session knows, by name.</summary>
public sealed class MagicRegistry
{
    private readonly SortedDictionary<string, MagicCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>Registered magics, ordered by name.</summary>
    public IReadOnlyCollection<MagicCommand> Commands => _commands.Values;

    /// <summary>
    /// A registry holding LlmLab's magics: <c>#!llm-help</c>, <c>#!llm-load</c>, <c>#!llm-inspect</c>,
    /// <c>#!llm-generate</c>, <c>#!llm-bench</c>, <c>#!llm-perplexity</c>, <c>#!llm-compare</c> and <c>#!llm-gpu</c>.
    /// </summary>
    public static MagicRegistry CreateDefault()
    {
        var registry = new MagicRegistry();
        registry.Register(new LlmHelpMagic(registry));
        registry.Register(new LlmLoadMagic());
        registry.Register(new LlmInspectMagic());
        registry.Register(new LlmGenerateMagic());
        registry.Register(new LlmBenchMagic());
        registry.Register(new LlmPerplexityMagic());
        registry.Register(new LlmCompareMagic());
        registry.Register(new LlmGpuMagic());
        return registry;
    }

    /// <summary>Adds a magic.</summary>
    /// <exception cref="ArgumentException">A magic of the same name is already registered, or the name is not a word.</exception>
    public void Register(MagicCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var name = command.Name;
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Magic name '{name}' must be ASCII letters, digits, '-' or '_'.", nameof(command));
        }

        if (!_commands.TryAdd(name, command)) throw new ArgumentException($"A magic named #!{name} is already registered.", nameof(command));
    }

    /// <summary>Finds a magic by name (without <c>#!</c>).</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MagicCommand? command) =>
        _commands.TryGetValue(name, out command);
}
