// FP8 checkpoints on the Hugging Face hub (llm-compressor's FP8 / FP8_DYNAMIC schemes, FBGEMM FP8, the "fp8"
// quant_method that vLLM and transformers load) store each quantized linear layer as two tensors:
//   X.weight        F8_E4M3 [out, in]
//   X.weight_scale  F32 (or BF16/F16): [out, 1] or [out] per output channel, [1] or [] per tensor
// and the real weight is X.weight · X.weight_scale (broadcast over rows). Static activation scales (X.input_scale)
// may sit beside them; LlmLab computes activations in the compute type and leaves them unused. Block-wise FP8
// (X.weight_scale_inv of [out/128, in/128], DeepSeek-V3 and Qwen3-FP8) is refused by name.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// A checkpoint whose F8_E4M3 weights come with a <c>weight_scale</c>, seen as <see cref="TensorFormat.FP8"/> weights
/// (each row's E4M3 codes followed by its fp32 scale) under the weight's own name; the scale tensors are consumed and
/// not listed. Other tensors are the base checkpoint's. A weight's FP8 rows are assembled on first use into native
/// memory this object owns (a copy of the codes: the file's rows have no room for the scales).
/// </summary>
public sealed unsafe class Fp8ScaledCheckpoint : ICheckpoint
{
    /// <summary>Suffix of the per-channel or per-tensor scale beside an FP8 weight.</summary>
    public const string ScaleSuffix = "_scale";

    /// <summary>Suffix of a block-wise scale (refused).</summary>
    public const string BlockScaleSuffix = "_scale_inv";

    private readonly ICheckpoint _base;
    private readonly Dictionary<string, string> _scaleOf = new(StringComparer.Ordinal);   // weight → its scale tensor
    private readonly HashSet<string> _scales = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorView> _assembled = new(StringComparer.Ordinal);
    private readonly List<nint> _owned = [];
    private readonly object _gate = new();
    private readonly string[] _names;

    private Fp8ScaledCheckpoint(ICheckpoint baseCheckpoint)
    {
        _base = baseCheckpoint;
        foreach (string name in baseCheckpoint.Names)
        {
            if (baseCheckpoint.Describe(name).Format != TensorFormat.F8_E4M3) continue;
            if (baseCheckpoint.Contains(name + BlockScaleSuffix))
                throw new InvalidCheckpointException($"{baseCheckpoint.Path}: tensor '{name}' has block-wise FP8 scales ('{name}{BlockScaleSuffix}'); " +
                                                     "LlmLab reads FP8 with a scale per output channel or per tensor ('weight_scale'): load the BF16 model with --quant fp8 instead");
            string scale = name + ScaleSuffix;
            if (!baseCheckpoint.Contains(scale)) continue;
            CheckScale(baseCheckpoint, name, scale);
            _scaleOf[name] = scale;
            _scales.Add(scale);
        }
        _names = baseCheckpoint.Names.Where(n => !_scales.Contains(n)).ToArray();
    }

    /// <summary>
    /// <paramref name="checkpoint"/> seen through FP8 scales when it holds F8_E4M3 weights with a <c>weight_scale</c>;
    /// otherwise <paramref name="checkpoint"/> itself.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">A scale of the wrong shape or type, or block-wise scales (the message names the tensor).</exception>
    public static ICheckpoint Wrap(ICheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        bool hasFp8 = checkpoint.Names.Any(n => checkpoint.Describe(n).Format == TensorFormat.F8_E4M3);
        return hasFp8 ? new Fp8ScaledCheckpoint(checkpoint) : checkpoint;
    }

    /// <summary>The weights read as FP8 rows, with the scale tensor of each.</summary>
    public IReadOnlyDictionary<string, string> ScaledWeights => _scaleOf;

    private static void CheckScale(ICheckpoint checkpoint, string weight, string scale)
    {
        var w = checkpoint.Describe(weight);
        var s = checkpoint.Describe(scale);
        if (w.Shape.Length != 2)
            throw new InvalidCheckpointException($"{w.File}: FP8 tensor '{weight}' has shape {w.ShapeText}; FP8 weights with a scale are matrices [out, in]");
        if (!s.Format.IsFloat())
            throw new InvalidCheckpointException($"{s.File}: tensor '{scale}' is {s.Format}; an FP8 weight scale is F32, BF16 or F16");
        long rows = w.Shape[0];
        bool perTensor = s.Elements == 1 && s.Shape.Length <= 2;
        bool perChannel = s.Elements == rows && (s.Shape.Length == 1 || (s.Shape.Length == 2 && s.Shape[1] == 1));
        if (!perTensor && !perChannel)
            throw new InvalidCheckpointException($"{s.File}: tensor '{scale}' has shape {s.ShapeText} for '{weight}' {w.ShapeText}; LlmLab reads a scale per output channel " +
                                                 $"([{rows}, 1] or [{rows}]) or one per tensor ([1] or [])");
    }

    /// <inheritdoc />
    public string Path => _base.Path;

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _names;

    /// <inheritdoc />
    public bool Contains(string name) => _base.Contains(name) && !_scales.Contains(name);

    /// <inheritdoc />
    public CheckpointTensor Describe(string name)
    {
        var d = _base.Describe(Visible(name));
        return _scaleOf.ContainsKey(name) ? d with { Format = TensorFormat.FP8, Bytes = TensorFormat.FP8.ByteCount(d.Shape) } : d;
    }

    /// <inheritdoc />
    public TensorView Tensor(string name)
    {
        if (!_scaleOf.TryGetValue(Visible(name), out string? scaleName)) return _base.Tensor(name);
        lock (_gate)
        {
            if (_assembled.TryGetValue(name, out var done)) return done;
            var view = Assemble(_base.Tensor(name), _base.Tensor(scaleName));
            _assembled[name] = view;
            return view;
        }
    }

    private string Visible(string name) => _scales.Contains(name)
        ? throw new InvalidCheckpointException($"{Path}: tensor '{name}' is an FP8 weight scale, read as part of its weight")
        : name;

    /// <summary>Rows of codes, each followed by its scale (the per-tensor scale repeated), in owned memory.</summary>
    private TensorView Assemble(TensorView codes, TensorView scale)
    {
        long rows = codes.Shape[0], cols = codes.Shape[1];
        if (codes.ByteLength != rows * cols)
            throw new InvalidCheckpointException($"{Path}: tensor '{codes.Name}' holds {codes.ByteLength} bytes; {codes.ShapeText} F8_E4M3 is {rows * cols}");
        var scales = scale.ToFloatArray();
        long rowBytes = TensorFormat.FP8.RowBytes(cols), bytes = checked(rows * rowBytes);
        var data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        _owned.Add((nint)data);
        for (long r = 0; r < rows; r++)
        {
            byte* row = data + r * rowBytes;
            Buffer.MemoryCopy(codes.Data + r * cols, row, cols, cols);
            BinaryPrimitives.WriteSingleLittleEndian(new Span<byte>(row + cols, TensorFormats.RowScaleBytes), scales.Length == 1 ? scales[0] : scales[r]);
        }
        return new TensorView(codes.Name, TensorFormat.FP8, codes.Shape, data, bytes);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in _owned) NativeMemory.AlignedFree((void*)p);
        _owned.Clear();
        _assembled.Clear();
        _base.Dispose();
    }
}
