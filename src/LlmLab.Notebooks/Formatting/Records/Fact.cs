namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>One labelled figure, e.g. <c>Time to first token</c> → <c>28.50 ms</c>.</summary>
/// <param name="Label">What the figure is.</param>
/// <param name="Value">The figure with its unit, and its arithmetic where it has one.</param>
internal sealed record Fact(string Label, string Value);
