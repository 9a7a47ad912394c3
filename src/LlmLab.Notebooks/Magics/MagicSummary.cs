namespace LlmLab.Notebooks.Magics;

/// <summary>One row of <c>#!llm-help</c>'s list.</summary>
/// <param name="Magic">How the magic is written, e.g. <c>#!llm-help</c>.</param>
/// <param name="Description">What it does.</param>
/// <param name="Usage">Its usage line, e.g. <c>#!llm-help [MAGIC]</c>.</param>
public sealed record MagicSummary(string Magic, string Description, string Usage);
