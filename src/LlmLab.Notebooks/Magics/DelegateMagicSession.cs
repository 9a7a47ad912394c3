namespace LlmLab.Notebooks.Magics;

/// <summary>
/// An <see cref="IMagicSession"/> made of delegates, so a host that LlmLab cannot reference at compile time (a
/// Polyglot kernel, in <c>extension.dib</c>) can plug in its display, output and variable functions.
/// </summary>
/// <param name="display">Shows a value.</param>
/// <param name="writeOutput">Writes text to the cell's standard output.</param>
/// <param name="defineVariable">Defines a variable: name, value, declared type.</param>
/// <param name="tryGetVariable">Reads a variable by name; returns (found, value).</param>
public sealed class DelegateMagicSession(
    Action<object?> display,
    Action<string> writeOutput,
    Func<string, object?, Type, CancellationToken, Task> defineVariable,
    Func<string, (bool Found, object? Value)> tryGetVariable) : IMagicSession
{
    /// <inheritdoc/>
    public TextWriter Out { get; } = new DelegateTextWriter(writeOutput);

    /// <inheritdoc/>
    public void Display(object? value) => display(value);

    /// <inheritdoc/>
    public Task DefineVariableAsync(string name, object? value, Type declaredType, CancellationToken cancellationToken = default)
    {
        VariableNames.Validate(name);
        return defineVariable(name, value, declaredType, cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryGetVariable(string name, out object? value)
    {
        (var found, value) = tryGetVariable(name);
        return found;
    }
}
