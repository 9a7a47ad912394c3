namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>
/// Writes an engine record (<typeparamref name="T"/>) as plain text through its <see cref="RecordView"/>: the title,
/// aligned facts, tables as <see cref="PlainTextTableFormatter"/> does, one line per chart, passages as text.
/// </summary>
/// <param name="layout">Lays the record out.</param>
internal sealed class PlainTextRecordFormatter<T>(Func<T, RecordView> layout) : IDisplayFormatter
    where T : notnull
{
    private const string Indent = "  ";
    private static readonly PlainTextTableFormatter Tables = new();
    private static readonly PlainTextChartFormatter Charts = new();

    public string MimeType => MimeTypes.PlainText;

    public Type ValueType => typeof(T);

    public bool CanFormat(object value) => value is T;

    public void Format(object value, TextWriter writer)
    {
        var view = layout((T)value);
        writer.Write(view.Title);
        foreach (var block in view.Blocks)
        {
            writer.Write('\n');
            switch (block)
            {
                case FactsBlock facts:
                    var width = facts.Facts.Max(f => f.Label.Length) + 2;
                    writer.Write(string.Join('\n', facts.Facts.Select(f => Indent + (f.Label + ":").PadRight(width) + f.Value)));
                    break;
                case TableBlock table:
                    writer.Write(table.Caption + ":\n");
                    Tables.Format(table.Rows, writer);
                    break;
                case ChartBlock chart:
                    Charts.Format(chart.Chart, writer);
                    break;
                case PassageBlock passage:
                    writer.Write(passage.Lead + passage.Text);
                    break;
                case NoteBlock note:
                    writer.Write(note.Text);
                    break;
            }
        }
    }
}
