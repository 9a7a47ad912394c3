namespace LlmLab.Notebooks.Magics;

/// <summary>
/// What a magic command can do to the notebook it runs in: write text, display values, and define or read C#
/// variables that later cells use. Implemented by LlmLab's engine (<c>NotebookSession</c>) and, inside a Polyglot
/// kernel, by <see cref="DelegateMagicSession"/> from <c>extension.dib</c>.
/// </summary>
public interface IMagicSession
{
    /// <summary>The cell's standard output.</summary>
    TextWriter Out { get; }

    /// <summary>Shows a value as a cell output, formatted by the session's formatters (tables, charts, text).</summary>
    void Display(object? value);

    /// <summary>
    /// Defines (or redefines) a variable that C# code in later cells can use, e.g. the model an
    /// <c>#!llm-load --as model</c> loaded.
    /// </summary>
    /// <param name="name">A C# identifier.</param>
    /// <param name="value">The value.</param>
    /// <param name="declaredType">The variable's static type; <c>object</c> when the value's type cannot be named in C#.</param>
    /// <param name="cancellationToken">Cancels the definition.</param>
    /// <exception cref="InvalidOptionException">The name is not a valid C# identifier.</exception>
    Task DefineVariableAsync(string name, object? value, Type declaredType, CancellationToken cancellationToken = default);

    /// <summary>Reads a variable defined by earlier cells or magics.</summary>
    bool TryGetVariable(string name, out object? value);
}
