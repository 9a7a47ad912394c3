using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Notebooks.Magics;

/// <summary>Checks names that become C# variables (magic outputs, notebook parameters).</summary>
public static class VariableNames
{
    /// <summary>Whether the name can be a C# variable: a valid identifier that is not a reserved keyword.</summary>
    public static bool IsValid(string name) =>
        SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    /// <summary>Throws when <see cref="IsValid"/> is false, naming the problem.</summary>
    /// <exception cref="InvalidOptionException">The name cannot be a C# variable.</exception>
    public static void Validate(string name)
    {
        if (IsValid(name)) return;
        var why = SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "it is a C# keyword" : "a C# identifier starts with a letter or _ and holds letters, digits and _";
        throw new InvalidOptionException($"'{name}' cannot be a variable name: {why}.");
    }
}
