// A Hugging Face checkpoint folder holds either one `model.safetensors` or shards
// `model-0000i-of-0000n.safetensors` listed by `model.safetensors.index.json`:
//   {"metadata": {"total_size": ...}, "weight_map": {"tensor.name": "model-00001-of-00002.safetensors", ...}}
// (https://huggingface.co/docs/transformers/big_models). Shard names are file names inside the folder;
// an index that points elsewhere ("../x", "/etc/x") is rejected.
using System.Text.Json;
using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>All safetensors files of a checkpoint folder, with tensors looked up by name across shards.</summary>
public sealed class SafetensorsCheckpoint : ICheckpoint
{
    /// <summary>File name of the single-file form.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>File name of the sharded form's index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>An index above this size is not a real index (blocks reading a huge file into memory).</summary>
    public const long MaxIndexBytes = 64L * 1024 * 1024;

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _owner;
    private readonly string[] _names;

    private SafetensorsCheckpoint(string directory, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> owner)
    {
        Directory = directory;
        _files = files;
        _owner = owner;
        _names = files.SelectMany(f => f.Names).Where(owner.ContainsKey).Distinct().ToArray();
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>The open files (one, or one per shard).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>The single file, or the folder of a sharded checkpoint (what messages name).</summary>
    public string Path => _files.Count == 1 ? _files[0].Path : Directory;

    /// <summary>All tensor names, in file order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Total bytes of tensor data across files.</summary>
    public long TotalBytes => _files.Sum(f => f.Header.Entries.Sum(e => e.ByteLength));

    /// <summary>Opens a folder (index or single file) or a single .safetensors file.</summary>
    public static SafetensorsCheckpoint Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (File.Exists(path) && path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return OpenIndex(path);
        if (File.Exists(path))
            return FromFiles(System.IO.Path.GetDirectoryName(path)!, [SafetensorsFile.Open(path)]);
        if (!System.IO.Directory.Exists(path))
            throw new InvalidCheckpointException($"{path}: no such file or folder; pass a Hugging Face model folder");
        string index = System.IO.Path.Combine(path, IndexFileName), single = System.IO.Path.Combine(path, SingleFileName);
        if (File.Exists(index)) return OpenIndex(index);
        if (File.Exists(single)) return FromFiles(path, [SafetensorsFile.Open(single)]);
        throw new InvalidCheckpointException($"{path}: neither {SingleFileName} nor {IndexFileName} found; pass a folder with safetensors weights (GGUF and .bin are not supported yet)");
    }

    private static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        string directory = System.IO.Path.GetDirectoryName(indexPath)!;
        var weightMap = ReadWeightMap(indexPath);
        var files = new List<SafetensorsFile>();
        try
        {
            var byShard = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (tensor, shard) in weightMap)
            {
                if (!byShard.TryGetValue(shard, out var file))
                {
                    string shardPath = ResolveShard(directory, shard, indexPath, tensor);
                    if (!File.Exists(shardPath))
                        throw new InvalidCheckpointException($"{indexPath}: shard '{shard}' (holding '{tensor}') is missing from {directory}; download all the shards");
                    file = SafetensorsFile.Open(shardPath);
                    files.Add(file);
                    byShard[shard] = file;
                }
                if (!file.Contains(tensor))
                    throw new InvalidCheckpointException($"{indexPath}: weight_map puts '{tensor}' in '{shard}' but that shard has no such tensor; the index and shards do not match");
                owner[tensor] = file;
            }
            return new SafetensorsCheckpoint(directory, files, owner);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private static List<KeyValuePair<string, string>> ReadWeightMap(string indexPath)
    {
        long length = new FileInfo(indexPath).Length;
        if (length > MaxIndexBytes)
            throw new InvalidCheckpointException($"{indexPath}: {length} bytes is far larger than any index; the file is not a safetensors index");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(indexPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidCheckpointException($"{indexPath}: cannot be read ({e.Message})", e);
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidCheckpointException($"{indexPath}: field 'weight_map' (an object of tensor name → shard file) is missing");
            var result = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidCheckpointException($"{indexPath}: weight_map entry '{p.Name}' is not a file name string");
                if (!seen.Add(p.Name))
                    throw new InvalidCheckpointException($"{indexPath}: weight_map lists '{p.Name}' twice");
                result.Add(new(p.Name, p.Value.GetString()!));
            }
            if (result.Count == 0)
                throw new InvalidCheckpointException($"{indexPath}: field 'weight_map' is empty; the index lists no tensors, download it again");
            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException($"{indexPath}: not valid JSON ({e.Message}); download the index again", e);
        }
        catch (InvalidOperationException e)
        {
            // An escaped lone surrogate parses but cannot be read as a string.
            throw new InvalidCheckpointException($"{indexPath}: holds a string with an invalid \\u escape ({e.Message}); download the index again", e);
        }
    }

    private static string ResolveShard(string directory, string shard, string indexPath, string tensor)
    {
        bool plainName = shard.Length > 0 && shard == System.IO.Path.GetFileName(shard) && shard is not "." and not ".."
            && shard.IndexOfAny(['/', '\\', '\0']) < 0;
        // Checked before GetFullPath, which throws ArgumentException on a NUL in the name.
        if (!plainName || System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, shard))) != directory)
            throw new InvalidCheckpointException($"{indexPath}: weight_map puts '{tensor}' in '{shard.Replace("\0", "\\0", StringComparison.Ordinal)}', which is outside the model folder; shard names must be plain file names");
        return System.IO.Path.Combine(directory, shard);
    }

    private static SafetensorsCheckpoint FromFiles(string directory, List<SafetensorsFile> files)
    {
        var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var f in files)
            foreach (var n in f.Names)
                owner[n] = f;
        return new SafetensorsCheckpoint(directory, files, owner);
    }

    /// <summary>Full path of the file that holds <paramref name="name"/>.</summary>
    public string FileOf(string name) => Owner(name).Path;

    /// <summary>True when a tensor called <paramref name="name"/> exists in some file.</summary>
    public bool Contains(string name) => _owner.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    public SafetensorsEntry Entry(string name) => Owner(name).Entry(name);

    /// <inheritdoc />
    public CheckpointTensor Describe(string name)
    {
        var file = Owner(name);
        var e = file.Entry(name);
        return new CheckpointTensor(name, TensorFormats.FromDType(e.DType), e.Shape, e.ByteLength, file.Path);
    }

    /// <summary>A zero-copy view of <paramref name="name"/>.</summary>
    public TensorView Tensor(string name) => Owner(name).Tensor(name);

    private SafetensorsFile Owner(string name) => _owner.TryGetValue(name, out var f) ? f
        : throw new InvalidCheckpointException($"{Directory}: tensor '{name}' is not in the checkpoint; the files are incomplete or for another architecture");

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
