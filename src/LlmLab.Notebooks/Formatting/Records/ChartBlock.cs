using LlmLab.Notebooks.Charts;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>A chart (drawn in HTML, described in one line of text).</summary>
/// <param name="Chart">The figure.</param>
internal sealed record ChartBlock(Chart Chart) : ViewBlock;
