namespace LlmLab.Notebooks.Documents;

/// <summary>
/// A value shown by a cell, in one or more MIME types (nbformat <c>display_data</c>, or <c>execute_result</c>
/// when <see cref="ExecutionCount"/> is set: the value of the cell's trailing expression).
/// </summary>
/// <param name="Data">
/// Representations by MIME type. Text types hold the text; JSON types (<c>application/json</c>,
/// <c>application/*+json</c>) hold the JSON document as text.
/// </param>
/// <param name="ExecutionCount">Execution count of the cell for a result; null for a plain display.</param>
public sealed record DisplayDataOutput(IReadOnlyDictionary<string, string> Data, int? ExecutionCount = null) : CellOutput
{
    /// <summary>Whether this output is the cell's result (<c>execute_result</c>) rather than a display.</summary>
    public bool IsResult => ExecutionCount is not null;

    /// <summary>Extra per-output metadata found in a file (kept so it survives a round trip); usually empty.</summary>
    public System.Text.Json.Nodes.JsonObject? Metadata { get; init; }
}
