using System.Text;

namespace LlmLab.Reproducibility;

/// <summary>
/// Expected SHA-256 of a checkpoint's weight files, stored as <c>sha256sum</c> writes them: one line per file,
/// <c>HASH␠␠NAME</c> (64 lower-case hex digits, two spaces, the name relative to the model folder), so
/// <c>sha256sum -c MANIFEST</c> run in the model folder checks it too. <c>llmlab verify --write</c> makes one.
/// </summary>
public sealed record HashManifest(IReadOnlyList<FileHash> Files)
{
    /// <summary>
    /// Manifest bytes read at most: ~100 bytes a line, so 1 MiB holds ~10,000 files — more than any checkpoint has
    /// shards; anything larger is not a manifest and is refused before it is read into memory.
    /// </summary>
    public const long MaxBytes = 1024 * 1024;

    /// <summary>The manifest of a fingerprint's files.</summary>
    public static HashManifest Of(ModelFingerprint model) => new(model.Files);

    /// <summary>The manifest as text, one <c>HASH␠␠NAME</c> line per file.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var file in Files) text.Append(file.Sha256).Append("  ").Append(file.Name).Append('\n');
        return text.ToString();
    }

    /// <summary>Reads a manifest file.</summary>
    /// <exception cref="InvalidOptionException">The file is missing, too large, or a line is not <c>HASH␠␠NAME</c> with a plain file name.</exception>
    public static HashManifest Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new InvalidOptionException($"--manifest {path}: no such file; write one with `llmlab verify --model DIR --write {path}`.");
        if (info.Length > MaxBytes)
            throw new InvalidOptionException($"--manifest {path}: {info.Length} bytes is more than a manifest's {MaxBytes} (one 'HASH  NAME' line per weight file); is it the right file?");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses manifest text (<paramref name="source"/> names it in errors).</summary>
    /// <exception cref="InvalidOptionException">A line is not <c>HASH␠␠NAME</c>, a name leaves the model folder, or a name repeats.</exception>
    public static HashManifest Parse(string text, string source)
    {
        var files = new List<FileHash>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            // sha256sum writes "HASH  NAME" (text mode) or "HASH *NAME" (binary mode); both name the same bytes.
            var name = line.Length > 66 && line[64] == ' ' && line[65] is ' ' or '*' ? line[66..] : null;
            var hash = line.Length >= 64 ? line[..64].ToLowerInvariant() : "";
            if (name is null || !FileHashCache.IsHex64(hash))
                throw new InvalidOptionException($"--manifest {source}: line {i + 1} is not 'SHA256  FILE' (64 hex digits, two spaces, a file name), as sha256sum and `llmlab verify --write` write it.");
            if (Path.IsPathRooted(name) || name.Split('/', '\\').Any(part => part is "" or "." or ".."))
                throw new InvalidOptionException($"--manifest {source}: line {i + 1} names '{name}', which is not a file inside the model folder; names are relative, without '..'.");
            if (!seen.Add(name)) throw new InvalidOptionException($"--manifest {source}: line {i + 1} lists '{name}' a second time; keep one line per file.");
            files.Add(new FileHash(name, -1, hash));
        }

        if (files.Count == 0) throw new InvalidOptionException($"--manifest {source}: no 'SHA256  FILE' line; write one with `llmlab verify --model DIR --write FILE`.");
        return new HashManifest(files);
    }
}
