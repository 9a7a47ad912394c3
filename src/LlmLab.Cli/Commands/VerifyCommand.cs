using LlmLab.Notebooks.Magics;
using LlmLab.Reproducibility;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab verify</c>: checks a checkpoint's weight files against expected SHA-256 hashes (the guides' advice before
/// using a downloaded model), or writes a manifest of them. Hashes are cached by path, size and modification time.
/// </summary>
internal static class VerifyCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("verify",
        "Checks each weight file (*.safetensors, *.gguf) of a model folder, or one file, against expected SHA-256 hashes, "
        + "or writes a manifest of them (sha256sum's format: 'HASH  NAME' per line, so `sha256sum -c FILE` in the folder checks it too). "
        + "Exit 0 when every file matches, 1 when a file differs or is missing (each named with both hashes), 2 for a bad command line. "
        + "Hashes are cached (path, size, modification time) in $LLMLAB_CACHE_DIR, $XDG_CACHE_HOME/llmlab or ~/.cache/llmlab.")
    {
        Options =
        [
            new MagicOption("model", "Model folder or weight file") { IsRequired = true, ValueName = "DIR|FILE" },
            new MagicOption("sha256", "Expected hash as the Hugging Face file page lists it; repeat once per file") { IsRepeatable = true, ValueName = "HASH" },
            new MagicOption("manifest", "Manifest written by --write") { ValueName = "FILE" },
            new MagicOption("write", "Hash the files and write that manifest") { ValueName = "FILE" },
        ],
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        var model = o.GetString("model")!;
        var hashes = o.GetAll("sha256");
        var manifestPath = o.GetString("manifest");
        var writePath = o.GetString("write");
        var modes = (hashes.Count > 0 ? 1 : 0) + (manifestPath is null ? 0 : 1) + (writePath is null ? 0 : 1);
        if (modes != 1) throw new UsageException("give exactly one of --sha256 HASH, --manifest FILE or --write FILE");

        // Read the manifest before hashing, so a bad manifest fails in a moment rather than after minutes of hashing.
        var manifest = manifestPath is null ? null : HashManifest.Load(manifestPath);
        var fingerprint = ModelFingerprint.Of(model);
        if (writePath is not null)
        {
            var text = HashManifest.Of(fingerprint).ToText();
            File.WriteAllText(writePath, text);
            Console.Write(text);
            Console.Error.WriteLine($"llmlab verify: wrote {writePath} ({fingerprint.Files.Count} files, {LlmLab.Backends.ByteCount.Format(fingerprint.Bytes)})");
            return ExitCodes.Success;
        }

        var result = manifest is not null
            ? CheckpointVerification.AgainstManifest(fingerprint, manifest)
            : CheckpointVerification.AgainstHashes(fingerprint, hashes);
        foreach (var file in result.Files) Console.WriteLine(file.Describe());
        if (result.Succeeded)
        {
            Console.WriteLine($"{fingerprint.Path}: all {result.Files.Count} weight files match.");
            return ExitCodes.Success;
        }

        var bad = result.Files.Where(f => f.Status != VerifiedFileStatus.Match).ToArray();
        Console.Error.WriteLine($"llmlab verify: {fingerprint.Path}: {bad.Length} of {result.Files.Count} files do not match ({string.Join("; ", bad.Select(f => f.Describe().Replace("  ", " ")))})");
        return ExitCodes.BadData;
    }
}
