using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// One tensor <see cref="GgufExport"/> is about to convert and write: its position <see cref="Index"/> (0-based) of
/// <see cref="Count"/>, its GGUF name, storage format and bytes in the file.
/// </summary>
public sealed record GgufExportProgress(int Index, int Count, string Name, TensorFormat Format, long Bytes);
