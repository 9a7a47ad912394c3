namespace LlmLab.Notebooks.Formatting;

/// <summary>
/// Writes a sequence of records (any element type with public properties, e.g. a list of benchmark results) as an
/// HTML table with one column per property; numeric columns are right-aligned.
/// </summary>
public sealed class HtmlTableFormatter : IDisplayFormatter
{
    /// <inheritdoc/>
    public string MimeType => MimeTypes.Html;

    /// <inheritdoc/>
    public Type ValueType => typeof(System.Collections.IEnumerable);

    /// <inheritdoc/>
    public bool CanFormat(object value) => RecordTable.TryCreate(value, out _);

    /// <inheritdoc/>
    public void Format(object value, TextWriter writer)
    {
        if (!RecordTable.TryCreate(value, out var table)) throw new ArgumentException($"{value.GetType().Name} is not a sequence of records.", nameof(value));
        var numeric = Enumerable.Range(0, table.Columns.Count).Select(table.IsNumeric).ToArray();
        writer.Write("<table class=\"llmlab-table\">\n<thead><tr>");
        for (var c = 0; c < table.Columns.Count; c++)
        {
            writer.Write(numeric[c] ? "<th style=\"text-align:right\">" : "<th style=\"text-align:left\">");
            writer.Write(HtmlText.Encode(table.Columns[c]));
            writer.Write("</th>");
        }

        writer.Write("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            writer.Write("<tr>");
            for (var c = 0; c < row.Length; c++)
            {
                writer.Write(numeric[c] ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">");
                writer.Write(HtmlText.Encode(row[c] is null ? "" : InvariantText.Of(row[c])));
                writer.Write("</td>");
            }

            writer.Write("</tr>\n");
        }

        writer.Write("</tbody>\n</table>");
        if (table.TruncationNote is { } note) writer.Write($"\n<p class=\"llmlab-table-note\">{HtmlText.Encode(note)}</p>");
    }
}
