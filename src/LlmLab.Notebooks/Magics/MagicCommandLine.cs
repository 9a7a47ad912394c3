using System.Text;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// Splits a magic command line into words the way a POSIX shell does for the common cases: whitespace separates
/// words; <c>"double quotes"</c> group words and honour <c>\"</c> and <c>\\</c>; <c>'single quotes'</c> are
/// literal; a backslash outside quotes escapes the next character.
/// </summary>
public static class MagicCommandLine
{
    /// <summary>The words of a command line.</summary>
    /// <exception cref="InvalidOptionException">A quote is not closed.</exception>
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }

            inWord = true;
            switch (c)
            {
                case '"':
                    i = ReadQuoted(line, i, '"', word);
                    break;
                case '\'':
                    i = ReadQuoted(line, i, '\'', word);
                    break;
                case '\\' when i + 1 < line.Length:
                    word.Append(line[++i]);
                    break;
                default:
                    word.Append(c);
                    break;
            }
        }

        if (inWord) words.Add(word.ToString());
        return words;
    }

    private static int ReadQuoted(string line, int open, char quote, StringBuilder word)
    {
        for (var i = open + 1; i < line.Length; i++)
        {
            var c = line[i];
            if (c == quote) return i;
            if (quote == '"' && c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\')
            {
                word.Append(line[++i]);
                continue;
            }

            word.Append(c);
        }

        throw new InvalidOptionException($"The {(quote == '"' ? "double" : "single")} quote at column {open + 1} of `{line.Trim()}` is never closed; close it or escape it with a backslash.");
    }
}
