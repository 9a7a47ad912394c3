namespace LlmLab.Reproducibility;

/// <summary>
/// A checkpoint as a study used it: where it was, and the SHA-256 of each weight file (every <c>*.safetensors</c> and
/// <c>*.gguf</c> of a folder, or the file itself), the hashes the Hugging Face hub lists for those files.
/// </summary>
/// <param name="Path">The model folder or file as given (full path).</param>
/// <param name="Files">The weight files in ordinal name order, each with its hash.</param>
public sealed record ModelFingerprint(string Path, IReadOnlyList<FileHash> Files)
{
    /// <summary>MIME type of the JSON form a notebook output carries, so a runner finds the models a study loaded.</summary>
    public const string MimeType = "application/vnd.llmlab.model-fingerprint+json";

    /// <summary>Bytes of all weight files.</summary>
    public long Bytes => Files.Sum(f => f.Bytes);

    /// <summary>Hashes the weight files of <paramref name="path"/> (through <paramref name="cache"/>; null: <see cref="FileHashCache.Default"/>).</summary>
    /// <exception cref="InvalidCheckpointException">The path does not exist, or a folder holds no weight file.</exception>
    public static ModelFingerprint Of(string path, FileHashCache? cache = null)
    {
        cache ??= FileHashCache.Default;
        var full = System.IO.Path.GetFullPath(path);
        var files = WeightFiles.Of(full).Select(f => new FileHash(f.Name, new FileInfo(f.FullPath).Length, cache.Sha256(f.FullPath))).ToArray();
        return new ModelFingerprint(full, files);
    }

    /// <summary>
    /// Checks the model against one expected hash, as <c>#!llm-load --sha256</c> does: the model must have exactly one
    /// weight file, and its hash must equal <paramref name="expectedSha256"/> (hex, any case).
    /// </summary>
    /// <exception cref="InvalidOptionException">The expected hash is not 64 hex digits, or the model has several weight files.</exception>
    /// <exception cref="InvalidCheckpointException">The hash differs; the message names the file and both hashes.</exception>
    public void Require(string expectedSha256)
    {
        var expected = expectedSha256.Trim().ToLowerInvariant();
        if (!FileHashCache.IsHex64(expected))
            throw new InvalidOptionException($"--sha256 '{expectedSha256}' is not a SHA-256 (64 hex digits, as sha256sum and the Hugging Face file page print it).");
        if (Files.Count != 1)
            throw new InvalidOptionException(
                $"--sha256: {Path} has {Files.Count} weight files ({string.Join(", ", Files.Select(f => f.Name))}); one hash cannot check them all. " +
                "Check them with `llmlab verify --model DIR --manifest FILE` (a manifest `llmlab verify --write` made).");
        var file = Files[0];
        if (file.Sha256 != expected)
            throw new InvalidCheckpointException(
                $"{System.IO.Path.Combine(Path, file.Name)}: sha256 {file.Sha256} does not match the expected {expected}; the file is a different or damaged copy — download it again or check the hash.");
    }
}
