namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>
/// A result record laid out for display: a title, then facts, tables, charts and passages in order. One view is
/// written as HTML by <see cref="HtmlRecordFormatter{T}"/> and as text by <see cref="PlainTextRecordFormatter{T}"/>,
/// so both MIME types show the same content.
/// </summary>
/// <param name="Title">One line naming what was measured.</param>
/// <param name="Blocks">The content, in display order.</param>
internal sealed record RecordView(string Title, IReadOnlyList<ViewBlock> Blocks);
