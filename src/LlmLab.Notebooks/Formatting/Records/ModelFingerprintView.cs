using LlmLab.Backends;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out a <see cref="ModelFingerprint"/>: the model's path and a table of its weight files with their SHA-256.</summary>
internal static class ModelFingerprintView
{
    /// <summary>One weight file: name, size and hash.</summary>
    private sealed record FileRow(string File, string Size, string Sha256);

    public static RecordView Of(ModelFingerprint model) => new(
        $"SHA-256 of {Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Path))}",
        [
            new FactsBlock([new Fact("Path", model.Path), new Fact("Weight files", $"{model.Files.Count}, {ByteCount.Format(model.Bytes)}")]),
            new TableBlock("Weight files (check with llmlab verify)", model.Files.Select(f => new FileRow(f.Name, ByteCount.Format(f.Bytes), f.Sha256)).ToArray()),
        ]);
}
