namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Labelled figures, shown as a two-column table.</summary>
/// <param name="Facts">The figures, in order.</param>
internal sealed record FactsBlock(IReadOnlyList<Fact> Facts) : ViewBlock;
