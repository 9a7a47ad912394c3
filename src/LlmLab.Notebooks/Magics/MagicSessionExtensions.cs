namespace LlmLab.Notebooks.Magics;

/// <summary>Typed conveniences over <see cref="IMagicSession"/>.</summary>
public static class MagicSessionExtensions
{
    /// <summary>Defines a variable whose static type is <typeparamref name="T"/>.</summary>
    public static Task DefineVariableAsync<T>(this IMagicSession session, string name, T value, CancellationToken cancellationToken = default) =>
        session.DefineVariableAsync(name, value, typeof(T), cancellationToken);

    /// <summary>
    /// Reads a variable of type <typeparamref name="T"/>, e.g. the model named by a <c>--model</c> option.
    /// </summary>
    /// <exception cref="InvalidOptionException">No such variable, or it holds another type.</exception>
    public static T GetVariable<T>(this IMagicSession session, string name)
    {
        if (!session.TryGetVariable(name, out var value))
        {
            throw new InvalidOptionException($"No variable named '{name}' is defined in this notebook; define it in an earlier cell.");
        }

        return value is T typed
            ? typed
            : throw new InvalidOptionException($"Variable '{name}' holds a {value?.GetType().Name ?? "null"}, not a {typeof(T).Name}.");
    }
}
