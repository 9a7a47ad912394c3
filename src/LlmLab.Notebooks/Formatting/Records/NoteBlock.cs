namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>A sentence explaining the figures, or why there are none.</summary>
/// <param name="Text">The sentence.</param>
internal sealed record NoteBlock(string Text) : ViewBlock;
