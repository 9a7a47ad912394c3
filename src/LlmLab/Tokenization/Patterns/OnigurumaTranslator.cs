using System.Globalization;
using System.Text;

namespace LlmLab.Tokenization;

/// <summary>
/// Rewrites the few Oniguruma/PCRE constructs that tokenizer.json regexes use and .NET lacks:
/// possessive quantifiers (<c>a*+</c> → <c>(?&gt;a*)</c>), <c>\x{HHHH}</c> code-point escapes,
/// Oniguruma's <c>\h</c>/<c>\H</c> (hex digit) and <c>\p{^X}</c> (negated property).
/// Everything else (<c>\p{L}</c>, <c>(?i:...)</c>, lookarounds, atomic groups) is the same in both
/// dialects and is copied unchanged; what .NET cannot compile is reported by the caller.
/// </summary>
internal static class OnigurumaTranslator
{
    private const string HexDigitSet = "0-9a-fA-F";

    /// <summary>The .NET form of <paramref name="pattern"/>; throws <see cref="FormatException"/> for escapes it cannot express.</summary>
    public static string ToDotNet(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 16);
        var groupStarts = new Stack<int>();
        int atomStart = -1; // where the last quantifiable thing begins in sb, -1 if none
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '\\':
                    atomStart = sb.Length;
                    i = CopyEscape(pattern, i, sb, inClass: false);
                    break;
                case '[':
                    atomStart = sb.Length;
                    i = CopyClass(pattern, i, sb);
                    break;
                case '(':
                    groupStarts.Push(sb.Length);
                    sb.Append('(');
                    i++;
                    if (i < pattern.Length && pattern[i] == '?')
                    {
                        sb.Append('?');
                        i++;
                    }
                    atomStart = -1;
                    break;
                case ')':
                    atomStart = groupStarts.Count > 0 ? groupStarts.Pop() : -1;
                    sb.Append(')');
                    i++;
                    break;
                case '*' or '+' or '?':
                    sb.Append(c);
                    i = CopyQuantifierSuffix(pattern, i + 1, sb, atomStart);
                    atomStart = -1;
                    break;
                case '{' when TryReadCountedQuantifier(pattern, i, out int end):
                    sb.Append(pattern, i, end - i);
                    i = CopyQuantifierSuffix(pattern, end, sb, atomStart);
                    atomStart = -1;
                    break;
                case '|':
                    sb.Append(c);
                    atomStart = -1;
                    i++;
                    break;
                default:
                    atomStart = sb.Length;
                    sb.Append(c);
                    i++;
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>After a quantifier: copies a lazy <c>?</c>, or turns a possessive <c>+</c> into an atomic group.</summary>
    private static int CopyQuantifierSuffix(string pattern, int i, StringBuilder sb, int atomStart)
    {
        if (i >= pattern.Length) return i;
        if (pattern[i] == '?')
        {
            sb.Append('?');
            return i + 1;
        }
        if (pattern[i] == '+' && atomStart >= 0)
        {
            sb.Insert(atomStart, "(?>").Append(')');
            return i + 1;
        }
        return i;
    }

    private static bool TryReadCountedQuantifier(string pattern, int i, out int end)
    {
        // {n}, {n,}, {n,m} (Oniguruma also takes {,m}, which .NET does not; leave that to the compiler).
        int j = i + 1;
        int digits = 0;
        while (j < pattern.Length && char.IsAsciiDigit(pattern[j])) { j++; digits++; }
        if (digits == 0) { end = i; return false; }
        if (j < pattern.Length && pattern[j] == ',')
        {
            j++;
            while (j < pattern.Length && char.IsAsciiDigit(pattern[j])) j++;
        }
        if (j < pattern.Length && pattern[j] == '}')
        {
            end = j + 1;
            return true;
        }
        end = i;
        return false;
    }

    private static int CopyClass(string pattern, int i, StringBuilder sb)
    {
        sb.Append('[');
        i++;
        if (i < pattern.Length && pattern[i] == '^') { sb.Append('^'); i++; }
        // A ']' right after '[' or '[^' is a literal.
        if (i < pattern.Length && pattern[i] == ']') { sb.Append("\\]"); i++; }
        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (c == ']')
            {
                sb.Append(']');
                return i + 1;
            }
            if (c == '\\')
            {
                i = CopyEscape(pattern, i, sb, inClass: true);
                continue;
            }
            if (c == '[')
            {
                // Nested class (Oniguruma set operations); copy it and let .NET judge.
                i = CopyClass(pattern, i, sb);
                continue;
            }
            sb.Append(c);
            i++;
        }
        return i; // unterminated: the .NET compiler reports it
    }

    /// <summary>Copies an escape of known length as one unit, so that a quantifier after it applies to all of it.</summary>
    private static int CopyFixed(string pattern, int i, int length, StringBuilder sb)
    {
        length = Math.Min(length, pattern.Length - i);
        sb.Append(pattern, i, length);
        return i + length;
    }

    private static int CopyEscape(string pattern, int i, StringBuilder sb, bool inClass)
    {
        if (i + 1 >= pattern.Length)
        {
            sb.Append('\\');
            return i + 1;
        }
        char e = pattern[i + 1];
        switch (e)
        {
            case 'h':
                sb.Append(inClass ? HexDigitSet : "[" + HexDigitSet + "]");
                return i + 2;
            case 'H':
                if (inClass) throw new FormatException("\\H inside a character class has no .NET equivalent");
                sb.Append("[^" + HexDigitSet + "]");
                return i + 2;
            case 'x' when i + 2 < pattern.Length && pattern[i + 2] == '{':
            {
                int close = pattern.IndexOf('}', i + 3);
                if (close < 0) throw new FormatException("\\x{ without a closing brace");
                string hex = pattern[(i + 3)..close];
                if (!int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code) || code > 0x10FFFF)
                {
                    throw new FormatException($"\\x{{{hex}}} is not a code point");
                }
                if (code > 0xFFFF) throw new FormatException($"\\x{{{hex}}} is outside the BMP, which .NET regexes cannot name in a class");
                sb.Append($"\\u{code:X4}");
                return close + 1;
            }
            case 'p' or 'P' when i + 2 < pattern.Length && pattern[i + 2] == '{':
            {
                int close = pattern.IndexOf('}', i + 3);
                if (close < 0) throw new FormatException("\\p{ without a closing brace");
                string name = pattern[(i + 3)..close];
                // \p{^L} is Oniguruma's spelling of \P{L}.
                bool negated = name.StartsWith('^');
                if (negated) name = name[1..];
                sb.Append('\\').Append(negated ? (e == 'p' ? 'P' : 'p') : e).Append('{').Append(name).Append('}');
                return close + 1;
            }
            case 'u':
                return CopyFixed(pattern, i, 6, sb); // \uHHHH
            case 'x':
                return CopyFixed(pattern, i, 4, sb); // \xHH
            case 'c':
                return CopyFixed(pattern, i, 3, sb); // \cX
            case 'k' when i + 2 < pattern.Length && pattern[i + 2] is '<' or '\'':
            {
                char closer = pattern[i + 2] == '<' ? '>' : '\'';
                int close = pattern.IndexOf(closer, i + 3);
                return CopyFixed(pattern, i, close < 0 ? pattern.Length - i : close + 1 - i, sb);
            }
            default:
                sb.Append('\\').Append(e);
                return i + 2;
        }
    }
}
