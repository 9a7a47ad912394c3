using System.Text;

namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Writes a sequence of records as an aligned plain-text table (header, dashes, one line per element); numeric
/// columns are right-aligned.
/// </summary>
public sealed class PlainTextTableFormatter : IDisplayFormatter
{
    private const string ColumnGap = "  ";

    /// <inheritdoc/>
    public string MimeType => MimeTypes.PlainText;

    /// <inheritdoc/>
    public Type ValueType => typeof(System.Collections.IEnumerable);

    /// <inheritdoc/>
    public bool CanFormat(object value) => RecordTable.TryCreate(value, out _);

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        if (!RecordTable.TryCreate(value, out var table)) throw new ArgumentException($"{value.GetType().Name} is not a sequence of records.", nameof(value));
        var cells = table.Rows.Select(r => r.Select(v => v is null ? "" : OneLine(InvariantText.Of(v))).ToArray()).ToArray();
        var widths = table.Columns.Select((name, c) => Math.Max(name.Length, cells.Length == 0 ? 0 : cells.Max(r => r[c].Length))).ToArray();
        var numeric = Enumerable.Range(0, table.Columns.Count).Select(table.IsNumeric).ToArray();

        var lines = new List<string>
        {
            Line(table.Columns, widths, numeric),
            string.Join(ColumnGap, widths.Select(w => new string('-', w))),
        };
        lines.AddRange(cells.Select(r => Line(r, widths, numeric)));
        if (table.TruncationNote is { } note) lines.Add(note);
        writer.Write(string.Join('\n', lines));
    }

    private static string Line(IReadOnlyList<string> values, int[] widths, bool[] numeric)
    {
        var line = new StringBuilder();
        for (var c = 0; c < values.Count; c++)
        {
            if (c > 0) line.Append(ColumnGap);
            line.Append(numeric[c] ? values[c].PadLeft(widths[c]) : values[c].PadRight(widths[c]));
        }

        return line.ToString().TrimEnd();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
