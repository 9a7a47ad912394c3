namespace LlmLab.Notebooks.Documents;

/// <summary>
/// One output of a code cell, shaped like an nbformat 4 output: a text stream, displayed data, the cell's
/// result, or an error.
/// </summary>
public abstract record CellOutput;
