using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// A C# cell split into the magic command lines at its start and the C# code after them. Magic lines are blanked
/// (not removed) in <see cref="Code"/> so line numbers of the code still match the cell.
/// </summary>
/// <param name="Magics">Magic lines with their 1-based line numbers, in order.</param>
/// <param name="Code">The cell with magic lines and a leading <c>#!csharp</c> selector replaced by empty lines.</param>
/// <param name="OtherLanguage">The kernel a leading selector line chose when it is not C# (e.g. <c>fsharp</c>); null otherwise.</param>
/// <param name="MisplacedMagicLine">1-based line of a magic line that follows C# code; null when all are at the start.</param>
internal sealed record CellSource(IReadOnlyList<(int Line, string Text)> Magics, string Code, string? OtherLanguage, int? MisplacedMagicLine)
{
    public bool HasCode => Code.Trim().Length > 0;

    public static CellSource Parse(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var magics = new List<(int, string)>();
        string? other = null;
        int? misplaced = null;
        var inHeader = true;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (inHeader && trimmed.Length == 0) continue;
            if (inHeader && MagicDispatcher.IsMagicLine(trimmed))
            {
                var name = trimmed[2..].Split(' ', 2)[0];
                if (CellLanguages.KnownKernels.TryGetValue(name, out var kernel))
                {
                    // A kernel selector, as Polyglot allows at the top of a cell: only C# runs here.
                    if (kernel != CellLanguages.CSharp) other ??= kernel;
                }
                else
                {
                    magics.Add((i + 1, trimmed));
                }

                lines[i] = "";
                continue;
            }

            if (trimmed.Length > 0 && !trimmed.StartsWith("//", StringComparison.Ordinal)) inHeader = false;
            if (!inHeader && misplaced is null && MagicDispatcher.IsMagicLine(trimmed) && !trimmed.StartsWith("#!/", StringComparison.Ordinal))
            {
                misplaced = i + 1;
            }
        }

        return new CellSource(magics, string.Join('\n', lines), other, misplaced);
    }
}
