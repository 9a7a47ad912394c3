using System.Runtime.InteropServices;
using LlmLab.Formats;
using LlmLab.Tensors;

namespace LlmLab.Tests.Formats;

/// <summary>An in-memory <see cref="ICheckpoint"/> for tests: F32 tensors in native memory, freed on dispose.</summary>
internal sealed unsafe class MemoryCheckpoint(string path) : ICheckpoint
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, (long[] Shape, nint Data, long Bytes)> _tensors = new(StringComparer.Ordinal);

    public string Path { get; } = path;

    public IReadOnlyList<string> Names => _names;

    /// <summary>Adds an F32 tensor holding <paramref name="values"/> (shape outermost first).</summary>
    public MemoryCheckpoint Add(string name, long[] shape, float[]? values = null)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        values ??= new float[count];
        if (values.Length != count) throw new ArgumentException($"{name}: {values.Length} values for shape [{string.Join(", ", shape)}]");
        long bytes = count * sizeof(float);
        nint data = (nint)NativeMemory.Alloc((nuint)Math.Max(bytes, 1));
        values.AsSpan().CopyTo(new Span<float>((void*)data, values.Length));
        _names.Add(name);
        _tensors.Add(name, (shape, data, bytes));
        return this;
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public CheckpointTensor Describe(string name)
    {
        var t = Get(name);
        return new CheckpointTensor(name, TensorFormat.F32, t.Shape, t.Bytes, Path);
    }

    public TensorView Tensor(string name)
    {
        var t = Get(name);
        return new TensorView(name, TensorFormat.F32, t.Shape, (byte*)t.Data, t.Bytes);
    }

    private (long[] Shape, nint Data, long Bytes) Get(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new InvalidCheckpointException($"{Path}: no tensor '{name}'");

    public void Dispose()
    {
        foreach (var t in _tensors.Values) NativeMemory.Free((void*)t.Data);
        _tensors.Clear();
    }
}
