using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmLab.Reproducibility;

/// <summary>
/// SHA-256 of files, computed once and remembered by full path, length and last-write time, so a study that loads a
/// 16 GB checkpoint pays for hashing it (about 15 s: `llmlab verify` hashed 512 MiB in 0.5 s on the 2-core CI machine,
/// sha256sum took 1.6 s) the first time only. A file whose length or modification time changed is hashed again.
/// </summary>
/// <remarks>
/// The cache is one small JSON file under the user's cache folder (<see cref="DefaultPath"/>), not beside the model:
/// model folders are often read-only (a shared hub cache, a mounted volume), and a file written into the checkpoint
/// would change the very folder <c>llmlab verify</c> checks. Only the hashing results are trusted from it; a missing,
/// unreadable or corrupt cache is ignored and rewritten, and writing it is best-effort (temp file + rename), so the
/// cache can never fail a load or a verification.
/// </remarks>
public sealed class FileHashCache
{
    /// <summary>Environment variable that moves the cache folder (tests, CI, read-only home folders).</summary>
    public const string CacheDirectoryVariable = "LLMLAB_CACHE_DIR";

    /// <summary>
    /// Cache file bytes read at most: ~200 bytes an entry, so 16 MiB holds far more than <see cref="MaxEntries"/>;
    /// a larger file is not ours (or is damaged) and is ignored rather than read into memory.
    /// </summary>
    public const long MaxCacheFileBytes = 16L * 1024 * 1024;

    /// <summary>Entries kept; the oldest-used are dropped beyond it, so the file stays small however many files are hashed.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Read size while hashing (bytes): large enough that the hash, not the syscalls, sets the speed.</summary>
    private const int HashBufferBytes = 1 << 20;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly Lock _lock = new();

    /// <summary>A cache stored in <paramref name="path"/>.</summary>
    public FileHashCache(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The cache in <see cref="DefaultPath"/>.</summary>
    public static FileHashCache Default { get; } = new(DefaultPath);

    /// <summary>
    /// <c>$LLMLAB_CACHE_DIR/sha256.json</c>, else <c>$XDG_CACHE_HOME/llmlab/sha256.json</c>, else
    /// <c>~/.cache/llmlab/sha256.json</c> (the XDG base-directory default).
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable(CacheDirectoryVariable) is { Length: > 0 } own ? own
                : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? System.IO.Path.Combine(xdg, "llmlab")
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "llmlab");
            return System.IO.Path.Combine(folder, "sha256.json");
        }
    }

    /// <summary>The cache file.</summary>
    public string Path { get; }

    /// <summary>Files hashed by this instance (cache misses), for tests and progress messages.</summary>
    public int FilesHashed { get; private set; }

    /// <summary>The file's SHA-256 (lower-case hex), from the cache when its path, length and modification time match.</summary>
    /// <exception cref="InvalidCheckpointException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public string Sha256(string file)
    {
        var info = new FileInfo(file);
        if (!info.Exists) throw new InvalidCheckpointException($"{file}: no such file; check the path (a model folder or a .safetensors/.gguf file).");
        var key = info.FullName;
        var ticks = info.LastWriteTimeUtc.Ticks;
        lock (_lock)
        {
            var entries = Load();
            if (entries.TryGetValue(key, out var entry) && entry.Bytes == info.Length && entry.LastWriteTicks == ticks && IsHex64(entry.Sha256))
                return entry.Sha256;
        }

        var hash = Hash(info.FullName);
        FilesHashed++;
        lock (_lock)
        {
            var entries = Load();
            entries[key] = new Entry(info.Length, ticks, hash, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            Save(entries);
        }

        return hash;
    }

    /// <summary>SHA-256 of a file's bytes, lower-case hex, without the cache.</summary>
    public static string Hash(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, HashBufferBytes, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Whether <paramref name="text"/> is 64 hex digits (a SHA-256 as sha256sum and the hub print it).</summary>
    public static bool IsHex64(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigit);

    private Dictionary<string, Entry> Load()
    {
        try
        {
            var info = new FileInfo(Path);
            if (!info.Exists || info.Length > MaxCacheFileBytes) return new(StringComparer.Ordinal);
            var read = JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllBytes(Path), JsonOptions);
            return read is null ? new(StringComparer.Ordinal) : new(read, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return new(StringComparer.Ordinal); // A damaged or foreign cache costs a re-hash, never a failure.
        }
    }

    private void Save(Dictionary<string, Entry> entries)
    {
        var kept = entries.Count <= MaxEntries ? entries
            : entries.OrderByDescending(e => e.Value.UsedUnixSeconds).Take(MaxEntries).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var temp = $"{Path}.{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(kept, JsonOptions));
            File.Move(temp, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a read-only cache folder only means hashing again next time.
            try { File.Delete(temp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <param name="Bytes">File length when hashed.</param>
    /// <param name="LastWriteTicks">File's last-write time (UTC ticks) when hashed.</param>
    /// <param name="Sha256">The hash.</param>
    /// <param name="UsedUnixSeconds">When the entry was written, for trimming to <see cref="MaxEntries"/>.</param>
    private sealed record Entry(
        [property: JsonPropertyName("bytes")] long Bytes,
        [property: JsonPropertyName("mtimeTicks")] long LastWriteTicks,
        [property: JsonPropertyName("sha256")] string Sha256,
        [property: JsonPropertyName("used")] long UsedUnixSeconds);
}
