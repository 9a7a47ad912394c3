using System.Globalization;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// A notebook parameter (<c>-p name=value</c>): a variable defined before the first cell, typed by its value.
/// </summary>
/// <param name="Name">A C# identifier.</param>
/// <param name="Value">An <see cref="int"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/> or <see cref="string"/>.</param>
public sealed record NotebookParameter(string Name, object Value)
{
    /// <summary>The C# type of the variable.</summary>
    public Type Type => Value.GetType();

    /// <summary>
    /// Parses <c>name=value</c>. The value becomes an <c>int</c> (<c>64</c>), a <c>long</c> if too large for one,
    /// a <c>double</c> (<c>0.5</c>, <c>1e-5</c>), a <c>bool</c> (<c>true</c>/<c>false</c>), or else a <c>string</c>;
    /// surrounding double quotes force a string (<c>-p 'tag="42"'</c>).
    /// </summary>
    /// <exception cref="InvalidOptionException">No <c>=</c>, or the name is not a C# identifier.</exception>
    public static NotebookParameter Parse(string assignment)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
        {
            throw new InvalidOptionException($"Parameter '{assignment}' must look like name=value (e.g. -p tokens=64).");
        }

        var name = assignment[..eq].Trim();
        VariableNames.Validate(name);
        return new NotebookParameter(name, ParseValue(assignment[(eq + 1)..]));
    }

    private static object ParseValue(string text)
    {
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') return text[1..^1];
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return i;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d)) return d;
        if (bool.TryParse(text, out var b)) return b;
        return text;
    }
}
