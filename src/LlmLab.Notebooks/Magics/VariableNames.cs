using System.Globalization;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// Checks names that become C# variables (magic outputs, notebook parameters) by the C# specification's rules (ECMA-334
/// §6.4.3 identifiers: Unicode letter classes, and §6.4.4 reserved keywords), without Roslyn: the magics also run inside
/// a Polyglot kernel, which loads its own Roslyn version, so nothing on their path may reference ours.
/// </summary>
/// <remarks>
/// Matches Roslyn's <c>SyntaxFacts.IsValidIdentifier</c> and <c>GetKeywordKind</c> (the tests compare them over every
/// UTF-16 code unit and every keyword): a name is checked one UTF-16 code unit at a time, <c>@</c> verbatim names and
/// <c>\u</c> escapes are not accepted, and contextual keywords (<c>var</c>, <c>async</c>, <c>value</c>) are valid names.
/// </remarks>
public static class VariableNames
{
    /// <summary>
    /// C#'s reserved keywords, which cannot name a variable without <c>@</c>: the 77 of the specification plus the four
    /// undocumented ones Roslyn also reserves (<c>__arglist</c>, <c>__makeref</c>, <c>__reftype</c>, <c>__refvalue</c>).
    /// </summary>
    private static readonly HashSet<string> ReservedKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override", "params",
        "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof",
        "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong",
        "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
        "__arglist", "__makeref", "__reftype", "__refvalue",
    };

    /// <summary>Whether the name is one of C#'s reserved keywords (contextual keywords such as <c>var</c> are not).</summary>
    public static bool IsReservedKeyword(string name) => ReservedKeywords.Contains(name);

    /// <summary>
    /// Whether the name is a C# identifier: a letter (classes Lu, Ll, Lt, Lm, Lo, Nl) or <c>_</c>, then letters,
    /// decimal digits (Nd), connectors (Pc), combining marks (Mn, Mc) or formatting characters (Cf).
    /// </summary>
    public static bool IsIdentifier(string name)
    {
        if (string.IsNullOrEmpty(name) || !IsIdentifierStart(name[0])) return false;
        for (var i = 1; i < name.Length; i++)
        {
            if (!IsIdentifierPart(name[i])) return false;
        }

        return true;
    }

    /// <summary>Whether the name can be a C# variable: a valid identifier that is not a reserved keyword.</summary>
    public static bool IsValid(string name) => IsIdentifier(name) && !IsReservedKeyword(name);

    /// <summary>Throws when <see cref="IsValid"/> is false, naming the problem.</summary>
    /// <exception cref="InvalidOptionException">The name cannot be a C# variable.</exception>
    public static void Validate(string name)
    {
        if (IsValid(name)) return;
        var why = IsReservedKeyword(name)
            ? "it is a C# keyword"
            : "a C# identifier starts with a letter or _ and holds letters, digits and _";
        throw new InvalidOptionException($"'{name}' cannot be a variable name: {why}.");
    }

    private static bool IsIdentifierStart(char c) =>
        c == '_' || char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.LetterNumber;

    private static bool IsIdentifierPart(char c) =>
        IsIdentifierStart(c) || char.GetUnicodeCategory(c) is UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Format;
}
