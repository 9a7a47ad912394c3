using LlmLab.Models;

namespace LlmLab.Notebooks.Magics;

/// <summary>The <c>--model NAME</c> option of the magics that run a model <c>#!llm-load</c> defined, and its lookup.</summary>
internal static class ModelVariable
{
    /// <summary>Variable <c>#!llm-load</c> defines and the other magics read when no name is given.</summary>
    public const string DefaultName = "model";

    /// <summary>The option, declared the same way by every magic that takes it.</summary>
    public static MagicOption Option { get; } = new("model", "Variable holding a model loaded by #!llm-load")
    {
        ShortName = 'm',
        DefaultValue = DefaultName,
        ValueName = "NAME",
    };

    /// <summary>The loaded model the option names.</summary>
    /// <exception cref="InvalidOptionException">No such variable, or it holds something else.</exception>
    public static Transformer Get(IMagicSession session, MagicOptionValues options, string invocation) =>
        Get(session, options.GetString(Option.Name)!, invocation);

    /// <summary>The loaded model in variable <paramref name="name"/> (for magics that take two models, e.g. a base and a model).</summary>
    /// <exception cref="InvalidOptionException">No such variable, or it holds something else.</exception>
    public static Transformer Get(IMagicSession session, string name, string invocation)
    {
        if (!session.TryGetVariable(name, out var value))
        {
            throw new InvalidOptionException(
                $"{invocation}: no variable named '{name}' is defined; load a model first with #!llm-load{(name == DefaultName ? "" : $" --name {name}")}.");
        }

        return value as Transformer ?? throw new InvalidOptionException(
            $"{invocation}: variable '{name}' holds a {value?.GetType().Name ?? "null"}, not a model; load one with #!llm-load --name {name}.");
    }
}
