namespace LlmLab.Evaluation;

/// <summary>Which model a side of a comparison is and where it ran.</summary>
/// <param name="Path">The model's folder (or file, once models load from GGUF).</param>
/// <param name="Device">Where it ran.</param>
internal sealed record ComparedModelIdentity(string Path, string Device);
