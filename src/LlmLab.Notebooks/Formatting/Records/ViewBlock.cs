namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>One part of a <see cref="RecordView"/>.</summary>
internal abstract record ViewBlock;
