using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// One GGUF file (versions 2 and 3), memory-mapped read-only. The header is parsed straight from the mapping and
/// tensor views point into it, so neither metadata bytes nor weights are copied through a buffer; the OS pages
/// weights in as kernels read them. Layout, limits and validation: see <see cref="GgufHeader"/>.
/// </summary>
public sealed unsafe class GgufFile : ICheckpoint
{
    /// <summary>Files shorter than this cannot hold a header; they are read whole for the message instead of mapped.</summary>
    private const int SmallestMappedFile = GgufHeader.FixedHeaderBytes;

    private readonly MappedFile _mapping;
    private readonly byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _byName;
    private bool _disposed;

    private GgufFile(string path, GgufHeader header, MappedFile mapping)
    {
        Path = path;
        Header = header;
        _mapping = mapping;
        _base = mapping.Pointer;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Names = header.Tensors.Select(t => t.Name).ToArray();
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public GgufHeader Header { get; }

    /// <summary>GGUF version: 2 or 3.</summary>
    public uint Version => Header.Version;

    /// <summary>Alignment of the data section and of every tensor offset, in bytes (<c>general.alignment</c>, or 32).</summary>
    public long Alignment => Header.Alignment;

    /// <summary>Byte offset of the data section from the start of the file.</summary>
    public long DataOffset => Header.DataOffset;

    /// <summary>The metadata by key (enumerates in file order).</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata => Header.MetadataByKey;

    /// <summary>The metadata entries in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> MetadataEntries => Header.Metadata;

    /// <summary>The tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => Header.Tensors;

    /// <inheritdoc />
    public IReadOnlyList<string> Names { get; }

    /// <summary>Opens and validates <paramref name="path"/>; throws <see cref="InvalidCheckpointException"/> for anything a reader must reject.</summary>
    public static GgufFile Open(string path) => MappedFile.OpenChecked(path, OpenValidated);

    private static GgufFile OpenValidated(string path)
    {
        long length = new FileInfo(path).Length;
        if (length < SmallestMappedFile)
        {
            // An empty file cannot be mapped; a short one fails in the parser with the reason (magic, truncation).
            GgufHeader.Parse(File.ReadAllBytes(path), length, path);
            throw new InvalidCheckpointException($"{path}: {length} bytes, too short to be a GGUF file; the download is truncated, download it again");
        }
        var mapping = MappedFile.Map(path, length);
        try
        {
            // The header is parsed in place; a header past 2 GiB is refused by the parser with that reason.
            var header = GgufHeader.Parse(new ReadOnlySpan<byte>(mapping.Pointer, (int)Math.Min(length, Array.MaxLength)), length, path);
            return new GgufFile(path, header, mapping);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The tensor info of <paramref name="name"/>.</summary>
    /// <exception cref="InvalidCheckpointException">No such tensor.</exception>
    public GgufTensorInfo Info(string name) => _byName.TryGetValue(name, out var t) ? t
        : throw new InvalidCheckpointException($"{Path}: no tensor named '{name}'");

    /// <inheritdoc />
    public CheckpointTensor Describe(string name)
    {
        var t = Info(name);
        return new CheckpointTensor(t.Name, t.Format, (long[])t.Shape.Clone(), t.Bytes, Path);
    }

    /// <inheritdoc />
    public TensorView Tensor(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var t = Info(name);
        return new TensorView(t.Name, t.Format, (long[])t.Shape.Clone(), _base + Header.DataOffset + t.Offset, t.Bytes);
    }

    /// <summary>Unmaps the file; views taken from it must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _mapping.Dispose();
    }
}
