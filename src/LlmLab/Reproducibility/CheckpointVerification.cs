namespace LlmLab.Reproducibility;

/// <summary>
/// <c>llmlab verify</c>: a checkpoint's weight files against expected SHA-256 hashes — one per file from the hub's file
/// pages (<c>--sha256</c>, repeatable), or a manifest <c>llmlab verify --write</c> made (<c>--manifest</c>).
/// </summary>
/// <param name="Model">The model as hashed.</param>
/// <param name="Files">Every weight file and every expected file, each with how it compared.</param>
public sealed record CheckpointVerification(ModelFingerprint Model, IReadOnlyList<VerifiedFile> Files)
{
    /// <summary>Whether every file matched and none was missing or unlisted.</summary>
    public bool Succeeded => Files.All(f => f.Status == VerifiedFileStatus.Match);

    /// <summary>
    /// Checks against a manifest: each listed file must exist with that hash, and each weight file of the model must be listed.
    /// </summary>
    public static CheckpointVerification AgainstManifest(ModelFingerprint model, HashManifest manifest)
    {
        var actual = model.Files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var listed = manifest.Files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var results = manifest.Files.Select(expected => actual.TryGetValue(expected.Name, out var file)
                ? new VerifiedFile(expected.Name, file.Sha256 == expected.Sha256 ? VerifiedFileStatus.Match : VerifiedFileStatus.Mismatch, file.Sha256, expected.Sha256)
                : new VerifiedFile(expected.Name, VerifiedFileStatus.Missing, null, expected.Sha256))
            .Concat(model.Files.Where(f => !listed.Contains(f.Name)).Select(f => new VerifiedFile(f.Name, VerifiedFileStatus.Unexpected, f.Sha256, null)))
            .ToArray();
        return new CheckpointVerification(model, results);
    }

    /// <summary>
    /// Checks against hashes copied from the hub, one per weight file and in any order: each file's hash must be one
    /// of them. With one file and one hash, a difference is a mismatch naming both; otherwise a file whose hash is
    /// not among them is a mismatch against the hashes no file matched, and an unmatched hash left over is missing.
    /// </summary>
    /// <exception cref="InvalidOptionException">A hash is not 64 hex digits.</exception>
    public static CheckpointVerification AgainstHashes(ModelFingerprint model, IReadOnlyList<string> sha256)
    {
        var expected = sha256.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        if (expected.FirstOrDefault(h => !FileHashCache.IsHex64(h)) is { } bad)
            throw new InvalidOptionException($"--sha256 '{bad}' is not a SHA-256 (64 hex digits, as sha256sum and the Hugging Face file page print it).");
        if (expected.Length == 0) throw new InvalidOptionException("verify needs the expected hashes: --sha256 HASH (one per weight file) or --manifest FILE.");
        var unmatched = expected.Where(h => model.Files.All(f => f.Sha256 != h)).ToList();
        var results = new List<VerifiedFile>();
        foreach (var file in model.Files)
        {
            if (expected.Contains(file.Sha256)) results.Add(new VerifiedFile(file.Name, VerifiedFileStatus.Match, file.Sha256, file.Sha256));
            else if (unmatched.Count > 0)
            {
                // Pair the file with an expected hash no file has, so the message shows both hashes.
                results.Add(new VerifiedFile(file.Name, VerifiedFileStatus.Mismatch, file.Sha256, unmatched[0]));
                unmatched.RemoveAt(0);
            }
            else results.Add(new VerifiedFile(file.Name, VerifiedFileStatus.Unexpected, file.Sha256, null));
        }

        results.AddRange(unmatched.Select(h => new VerifiedFile("(no file)", VerifiedFileStatus.Missing, null, h)));
        return new CheckpointVerification(model, results);
    }
}
