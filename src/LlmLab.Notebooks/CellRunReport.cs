using LlmLab.Notebooks.Documents;

namespace LlmLab.Notebooks;

/// <summary>One cell's part in a run.</summary>
/// <param name="Number">1-based position in the notebook (how messages name it: <c>cell 3</c>).</param>
/// <param name="Language">The cell's kernel language.</param>
/// <param name="Status">What happened.</param>
/// <param name="Timing">When it ran; null when it did not.</param>
/// <param name="Error">The error that ended it; null unless it failed.</param>
public sealed record CellRunReport(int Number, string Language, CellRunStatus Status, CellTiming? Timing, ErrorOutput? Error);
