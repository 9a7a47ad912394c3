namespace LlmLab.Notebooks.Reports;

/// <summary>What the top of an HTML report says about the run.</summary>
/// <param name="Title">Heading, usually the notebook's file name.</param>
public sealed record ReportHeader(string Title)
{
    /// <summary>The notebook file that was run; null when unknown.</summary>
    public string? Source { get; init; }

    /// <summary>When the report was made; null to leave it out (deterministic output).</summary>
    public DateTimeOffset? Generated { get; init; }

    /// <summary>Parameters the run was given, shown as <c>name = value</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>The machine, software and models the study ran with; null to leave the section out.</summary>
    public StudyProvenance? Provenance { get; init; }
}
