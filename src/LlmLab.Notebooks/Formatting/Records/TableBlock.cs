using System.Collections;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>A sequence of records shown as a table (one column per property) under a caption.</summary>
/// <param name="Caption">What the rows are, e.g. <c>Weights by tensor group</c>.</param>
/// <param name="Rows">The records.</param>
internal sealed record TableBlock(string Caption, IEnumerable Rows) : ViewBlock;
