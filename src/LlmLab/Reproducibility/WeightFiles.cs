namespace LlmLab.Reproducibility;

/// <summary>The files of a checkpoint whose hashes identify it: the weights, which the hub stores as LFS files with a SHA-256.</summary>
internal static class WeightFiles
{
    /// <summary>Extensions of weight files (the hub's LFS files for the checkpoints LlmLab loads).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".safetensors", ".gguf"];

    /// <summary>
    /// The weight files of a folder (its top level, as a hub repository or a sharded checkpoint lays them out), or a single
    /// file; names relative to the folder, in ordinal order.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">The path does not exist, or a folder holds no weight file.</exception>
    public static IReadOnlyList<(string Name, string FullPath)> Of(string path)
    {
        if (File.Exists(path)) return [(Path.GetFileName(path), Path.GetFullPath(path))];
        if (!Directory.Exists(path))
            throw new InvalidCheckpointException($"{path}: no such model folder or file; give a folder with *.safetensors or a .gguf file.");
        var files = Directory.EnumerateFiles(path)
            .Where(f => Extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (Name: Path.GetFileName(f), FullPath: Path.GetFullPath(f)))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
            throw new InvalidCheckpointException($"{path}: the folder holds no *.safetensors or *.gguf file; give the model folder itself (where config.json and the weights are).");
        return files;
    }
}
