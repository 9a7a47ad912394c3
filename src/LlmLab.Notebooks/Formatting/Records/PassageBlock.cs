namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Running text that continues a lead, e.g. a prompt (the lead, emphasised in HTML) and its completion.</summary>
/// <param name="Lead">The given part.</param>
/// <param name="Text">What follows it.</param>
internal sealed record PassageBlock(string Lead, string Text) : ViewBlock;
