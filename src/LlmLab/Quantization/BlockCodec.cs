using LlmLab.Tensors;

namespace LlmLab.Quantization;

/// <summary>
/// The one entry point for converting rows between fp32 and a storage format: F32/F16/BF16 here, ggml's
/// 32-element types in <c>BlockCodec.Legacy.cs</c>, the K-quants in <c>BlockCodec.KQuants.cs</c>, FP8 rows
/// (<see cref="Fp8RowCodec"/>: one row per call, as its scale covers the row).
/// </summary>
public static partial class BlockCodec
{
    private static readonly Dictionary<TensorFormat, IBlockCodec> Codecs = Register();

    private static Dictionary<TensorFormat, IBlockCodec> Register()
    {
        var codecs = new Dictionary<TensorFormat, IBlockCodec>();
        foreach (var c in new IBlockCodec[] { new FloatCodec(TensorFormat.F32), new FloatCodec(TensorFormat.F16), new FloatCodec(TensorFormat.BF16) })
            codecs[c.Format] = c;
        AddLegacy(codecs);
        AddKQuants(codecs);
        codecs[TensorFormat.FP8] = new Fp8RowCodec();
        return codecs;
    }

    static partial void AddLegacy(Dictionary<TensorFormat, IBlockCodec> codecs);
    static partial void AddKQuants(Dictionary<TensorFormat, IBlockCodec> codecs);

    /// <summary>The formats LlmLab can write (quantize to).</summary>
    public static IReadOnlyCollection<TensorFormat> Formats => Codecs.Keys;

    /// <summary>True when <paramref name="format"/> has a codec.</summary>
    public static bool Supports(TensorFormat format) => Codecs.ContainsKey(format);

    /// <summary>The codec of <paramref name="format"/>.</summary>
    /// <exception cref="NotSupportedException">No codec for that format (the message lists those there are).</exception>
    public static IBlockCodec For(TensorFormat format) => Codecs.TryGetValue(format, out var c) ? c
        : throw new NotSupportedException($"no quantizer for {format}; LlmLab converts to {string.Join(", ", Codecs.Keys.Order())}");

    /// <summary>Encodes a row (or rows laid end to end) of fp32 values into <paramref name="format"/>.</summary>
    public static void Quantize(TensorFormat format, ReadOnlySpan<float> values, Span<byte> blocks)
    {
        CheckLengths(format, values.Length, blocks.Length);
        For(format).Quantize(values, blocks);
    }

    /// <summary>Decodes blocks of <paramref name="format"/> into fp32 values.</summary>
    public static void Dequantize(TensorFormat format, ReadOnlySpan<byte> blocks, Span<float> values)
    {
        CheckLengths(format, values.Length, blocks.Length);
        For(format).Dequantize(blocks, values);
    }

    private static void CheckLengths(TensorFormat format, int values, int bytes)
    {
        long expected = format.RowBytes(values);
        if (expected != bytes)
            throw new ArgumentException($"{values} {format} values take {expected} bytes, not {bytes}");
    }
}
