using System.Runtime.InteropServices;
using LlmLab.Formats;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// A checkpoint seen through a <see cref="QuantizationMix"/>: the tensors the mix converts are decoded row by row to
/// fp32 and encoded in their target format (on first use, on all cores, into native memory this object owns); the
/// others are the base checkpoint's own views. <c>llmlab quantize</c> writes these bytes to a GGUF file and
/// <c>--quant</c> loads them directly, so both give the same bytes for the same mix.
/// </summary>
public sealed unsafe class QuantizedCheckpoint : ICheckpoint
{
    private readonly ICheckpoint _base;
    private readonly Dictionary<string, TensorFormat> _targets;
    private readonly Dictionary<string, TensorView> _converted = new(StringComparer.Ordinal);
    private readonly List<nint> _owned = [];
    private readonly object _gate = new();

    /// <summary>Applies <paramref name="mix"/> to every weight <paramref name="config"/> implies in <paramref name="baseCheckpoint"/>.</summary>
    /// <exception cref="InvalidOptionException">A tensor is already block-quantized in another format and <paramref name="allowRequantize"/> is false.</exception>
    public QuantizedCheckpoint(ICheckpoint baseCheckpoint, ModelConfig config, TensorNames names, QuantizationMix mix, bool allowRequantize = false)
    {
        _base = baseCheckpoint;
        Mix = mix;
        _targets = new Dictionary<string, TensorFormat>(StringComparer.Ordinal);
        var fallbacks = new List<string>();
        foreach (var t in TensorManifest.Expected(config, names))
        {
            var source = baseCheckpoint.Describe(t.Name).Format;
            var (target, fallback) = mix.Choose(t, config);
            if (fallback is not null) fallbacks.Add(fallback);
            if (target == source) continue;
            if (source.IsQuantized() && !allowRequantize)
                throw new InvalidOptionException($"{baseCheckpoint.Path}: tensor '{t.Name}' is already {source}; converting it to {target} loses precision twice. Quantize from the F32/F16/BF16 model, or pass --allow-requantize");
            if (!BlockCodec.Supports(target))
                throw new InvalidOptionException($"{mix.Name}: no quantizer for {target} (tensor '{t.Name}'); LlmLab converts to {string.Join(", ", BlockCodec.Formats.Order())}");
            _targets[t.Name] = target;
        }
        Fallbacks = fallbacks;
    }

    /// <summary>The checkpoint the mix is applied to (a GGUF input's metadata lives there).</summary>
    public ICheckpoint Base => _base;

    /// <summary>The mix applied.</summary>
    public QuantizationMix Mix { get; }

    /// <summary>One line per tensor whose rows did not divide into the mix's blocks (llama.cpp's fallback).</summary>
    public IReadOnlyList<string> Fallbacks { get; }

    /// <inheritdoc />
    public string Path => _base.Path;

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _base.Names;

    /// <inheritdoc />
    public bool Contains(string name) => _base.Contains(name);

    /// <inheritdoc />
    public CheckpointTensor Describe(string name)
    {
        var d = _base.Describe(name);
        return _targets.TryGetValue(name, out var f) ? d with { Format = f, Bytes = f.ByteCount(d.Shape) } : d;
    }

    /// <inheritdoc />
    public TensorView Tensor(string name)
    {
        if (!_targets.TryGetValue(name, out var target)) return _base.Tensor(name);
        lock (_gate)
        {
            if (_converted.TryGetValue(name, out var done)) return done;
            var view = Convert(_base.Tensor(name), target);
            _converted[name] = view;
            return view;
        }
    }

    /// <summary>
    /// Encodes <paramref name="name"/> in its target format into the caller's <paramref name="destination"/>
    /// (<paramref name="length"/> bytes, exactly <see cref="Describe"/>'s byte count) without caching it, so a writer
    /// can convert a model one tensor at a time and release each; the bytes are those <see cref="Tensor"/> returns.
    /// A tensor the mix leaves alone is copied as stored.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> is not the tensor's byte count.</exception>
    public void EncodeTo(string name, byte* destination, long length)
    {
        var source = _base.Tensor(name);
        var format = _targets.TryGetValue(name, out var target) ? target : source.Format;
        long bytes = format.ByteCount(source.Shape);
        if (length != bytes)
            throw new ArgumentException($"tensor '{name}' is {bytes} bytes as {format}; the destination holds {length}", nameof(length));
        if (format == source.Format) Buffer.MemoryCopy(source.Data, destination, length, bytes);
        else EncodeRows(source, target, destination);
    }

    /// <summary>Encodes <paramref name="source"/> (any readable format) as <paramref name="target"/> into owned native memory.</summary>
    private TensorView Convert(TensorView source, TensorFormat target)
    {
        long bytes = target.ByteCount(source.Shape);
        var data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        _owned.Add((nint)data);
        EncodeRows(source, target, data);
        return new TensorView(source.Name, target, source.Shape, data, bytes);
    }

    /// <summary>Decodes each row of <paramref name="source"/> to fp32 and encodes it as <paramref name="target"/> at <paramref name="data"/>, on all cores.</summary>
    private static void EncodeRows(TensorView source, TensorFormat target, byte* data)
    {
        long rowLength = source.Shape[^1], rows = source.ElementCount / rowLength;
        long sourceRowBytes = source.Format.RowBytes(rowLength), targetRowBytes = target.RowBytes(rowLength);
        Parallel.For(0, (int)((rows + RowsPerTask - 1) / RowsPerTask), () => new float[rowLength], (task, _, row) =>
        {
            long r0 = task * RowsPerTask, r1 = Math.Min(rows, r0 + RowsPerTask);
            for (long r = r0; r < r1; r++)
            {
                FloatConversion.ToSingle(source.Format, source.Data + r * sourceRowBytes, row);
                BlockCodec.Quantize(target, row, new Span<byte>(data + r * targetRowBytes, checked((int)targetRowBytes)));
            }
            return row;
        }, _ => { });
    }

    /// <summary>Rows encoded per parallel task (a few hundred KB of work each).</summary>
    private const int RowsPerTask = 16;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in _owned) NativeMemory.AlignedFree((void*)p);
        _owned.Clear();
        _converted.Clear();
        _base.Dispose();
    }
}
