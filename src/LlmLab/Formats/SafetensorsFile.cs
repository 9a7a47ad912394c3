using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// One safetensors file, memory-mapped read-only. Tensor views point into the mapping, so weights
/// are never copied into the managed heap; the OS pages them in as kernels read them.
/// Layout and validation: see <see cref="SafetensorsHeader"/>.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MappedFile? _mapping;
    private readonly byte* _base;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private bool _disposed;

    private SafetensorsFile(string path, SafetensorsHeader header, MappedFile? mapping)
    {
        Path = path;
        Header = header;
        _mapping = mapping;
        _base = mapping is null ? null : mapping.Pointer;
        _byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The <c>__metadata__</c> map.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Tensor names in header order.</summary>
    public IEnumerable<string> Names => Header.Entries.Select(e => e.Name);

    /// <summary>Opens and validates <paramref name="path"/>; throws <see cref="InvalidCheckpointException"/> for anything a reader must reject.</summary>
    public static SafetensorsFile Open(string path) => MappedFile.OpenChecked(path, OpenValidated);

    private static SafetensorsFile OpenValidated(string path)
    {
        long length = new FileInfo(path).Length;
        SafetensorsHeader header;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            Span<byte> first8 = stackalloc byte[SafetensorsHeader.LengthPrefixBytes];
            first8.Clear();
            int read = stream.ReadAtLeast(first8, first8.Length, throwOnEndOfStream: false);
            if (read < first8.Length && SafetensorsHeader.DescribeImpostor(first8[..read]) is { } impostor)
                throw new InvalidCheckpointException($"{path}: {impostor}");
            long n = SafetensorsHeader.ReadHeaderLength(first8, length, path);
            // n is bounded by MaxHeaderBytes and by the file length, so this allocation is safe.
            var json = new byte[n];
            stream.ReadExactly(json);
            header = SafetensorsHeader.Parse(json, length, path);
        }
        long dataBytes = length - header.DataStart;
        if (dataBytes == 0)
            return new SafetensorsFile(path, header, null);
        return new SafetensorsFile(path, header, MappedFile.Map(path, length));
    }

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    public SafetensorsEntry Entry(string name) => _byName.TryGetValue(name, out var e) ? e
        : throw new InvalidCheckpointException($"{Path}: no tensor named '{name}'");

    /// <summary>A zero-copy view of tensor <paramref name="name"/>.</summary>
    public TensorView Tensor(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var e = Entry(name);
        byte* data = _base is null ? null : _base + Header.DataStart + e.Begin;
        return new TensorView(e.Name, TensorFormats.FromDType(e.DType), e.Shape, data, e.ByteLength);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _mapping?.Dispose();
    }
}
