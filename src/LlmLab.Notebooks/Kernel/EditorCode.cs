using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// A cell as the editor services see it: magic lines replaced by spaces of the same length (so every offset is
/// still the editor's), and cursor positions converted between Jupyter's unit (Unicode code points, protocol 5.2+)
/// and .NET string indices (UTF-16 code units).
/// </summary>
internal sealed record EditorCode(string Text)
{
    public static EditorCode Of(string cell)
    {
        var original = cell.Split('\n');
        var parsed = CellSource.Parse(cell).Code.Split('\n');
        if (parsed.Length != original.Length) return new EditorCode(cell); // CR-only line ends: leave it to the compiler's messages
        for (var i = 0; i < original.Length; i++)
        {
            if (parsed[i].Length == 0 && original[i].Trim().Length > 0) original[i] = new string(' ', original[i].Length);
        }

        return new EditorCode(string.Join('\n', original));
    }

    /// <summary>The UTF-16 index of a code-point offset, clamped to the text.</summary>
    public int ToIndex(int codePoints)
    {
        var index = 0;
        for (var seen = 0; seen < codePoints && index < Text.Length; seen++)
        {
            index += char.IsHighSurrogate(Text[index]) && index + 1 < Text.Length && char.IsLowSurrogate(Text[index + 1]) ? 2 : 1;
        }

        return index;
    }

    /// <summary>The code-point offset of a UTF-16 index.</summary>
    public int ToCodePoints(int index)
    {
        var points = 0;
        for (var i = 0; i < index && i < Text.Length; i++)
        {
            if (!(char.IsLowSurrogate(Text[i]) && i > 0 && char.IsHighSurrogate(Text[i - 1]))) points++;
        }

        return points;
    }
}
