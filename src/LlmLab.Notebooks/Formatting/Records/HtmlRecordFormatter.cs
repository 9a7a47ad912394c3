using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>
/// Writes an engine record (<typeparamref name="T"/>) as HTML through its <see cref="RecordView"/>: facts as a
/// two-column table, tables as <see cref="HtmlTableFormatter"/> does, charts drawn by plotly.js, passages as text.
/// </summary>
/// <param name="layout">Lays the record out.</param>
/// <param name="plotlyJs">Where its charts get plotly.js from when the page lacks it.</param>
internal sealed class HtmlRecordFormatter<T>(Func<T, RecordView> layout, PlotlyJsSource plotlyJs = PlotlyJsSource.Cdn) : IDisplayFormatter
    where T : notnull
{
    private static readonly HtmlTableFormatter Tables = new();

    public string MimeType => MimeTypes.Html;

    public Type ValueType => typeof(T);

    public bool CanFormat(object value) => value is T;

    public void Format(object value, TextWriter writer)
    {
        var view = layout((T)value);
        writer.Write("<div class=\"llmlab-record\">\n");
        writer.Write($"<p class=\"llmlab-record-title\" style=\"margin:4px 0;font-weight:600\">{HtmlText.Encode(view.Title)}</p>\n");
        foreach (var block in view.Blocks)
        {
            switch (block)
            {
                case FactsBlock facts:
                    writer.Write("<table class=\"llmlab-table llmlab-facts\">\n<tbody>\n");
                    foreach (var fact in facts.Facts)
                    {
                        writer.Write($"<tr><th style=\"text-align:left\">{HtmlText.Encode(fact.Label)}</th>");
                        writer.Write($"<td style=\"text-align:left\">{HtmlText.Encode(fact.Value)}</td></tr>\n");
                    }

                    writer.Write("</tbody>\n</table>\n");
                    break;
                case TableBlock table:
                    writer.Write($"<p class=\"llmlab-caption\" style=\"margin:10px 0 2px\">{HtmlText.Encode(table.Caption)}</p>\n");
                    Tables.Format(table.Rows, writer);
                    writer.Write('\n');
                    break;
                case ChartBlock chart:
                    HtmlChartFormatter.WriteFigure(chart.Chart.ToPlotlyJson(), chart.Chart.Height, writer, plotlyJs);
                    writer.Write('\n');
                    break;
                case PassageBlock passage:
                    writer.Write("<p class=\"llmlab-passage\" style=\"white-space:pre-wrap;margin:6px 0\">");
                    writer.Write($"<strong>{HtmlText.Encode(passage.Lead)}</strong>{HtmlText.Encode(passage.Text)}</p>\n");
                    break;
                case NoteBlock note:
                    writer.Write($"<p class=\"llmlab-note\" style=\"margin:6px 0\">{HtmlText.Encode(note.Text)}</p>\n");
                    break;
            }
        }

        writer.Write("</div>");
    }
}
