using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// How a KV cache stores K and V (<c>--kv-type</c>). <see cref="Default"/> is the backend's own: fp32 on the CPU, the
/// compute type on a GPU. The block types quantize each cached row per 32-element block as llama.cpp's
/// <c>--cache-type-k/-v q8_0|q4_0</c> does, and are read back (dequantized) by attention. <see cref="FP8"/> stores
/// each head of a row as E4M3 with its own fp32 scale. The CPU and CUDA backends store and read all of them (CUDA: the
/// compute type, Q8_0, Q4_0 and FP8).
/// </summary>
public enum KvCacheType
{
    /// <summary>The backend's own type: F32 on the CPU, the compute type (BF16 by default) on a GPU.</summary>
    Default,
    /// <summary>IEEE binary32, 4 bytes per element.</summary>
    F32,
    /// <summary>IEEE binary16, 2 bytes per element (rounded to nearest even on write).</summary>
    F16,
    /// <summary>bfloat16, 2 bytes per element (rounded to nearest even on write).</summary>
    BF16,
    /// <summary>ggml Q8_0: 34 bytes per 32 elements (8.5 bits).</summary>
    Q8_0,
    /// <summary>ggml Q4_0: 18 bytes per 32 elements (4.5 bits).</summary>
    Q4_0,
    /// <summary>
    /// FP8 E4M3 (OCP "fn", max 448) with a per-head scale: each head of a cached row is its fp32 scale (amax / 448) and
    /// head_dim E4M3 values, 8 + 32 / head_dim bits per element (8.25 at head_dim 128).
    /// </summary>
    FP8,
}

/// <summary>Names, storage formats and sizes of <see cref="KvCacheType"/>; sizes come from <see cref="TensorFormats"/>' block table.</summary>
public static class KvCacheTypes
{
    /// <summary>The names <c>--kv-type</c> accepts, in help order.</summary>
    public const string Choices = "f32|f16|bf16|q8_0|q4_0|fp8";

    /// <summary>Parses a <c>--kv-type</c> value (case-insensitive; null or empty is <see cref="KvCacheType.Default"/>).</summary>
    /// <exception cref="InvalidOptionException">A name that is none of <see cref="Choices"/>.</exception>
    public static KvCacheType Parse(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "default" => KvCacheType.Default,
        "f32" or "fp32" => KvCacheType.F32,
        "f16" or "fp16" => KvCacheType.F16,
        "bf16" => KvCacheType.BF16,
        "q8_0" => KvCacheType.Q8_0,
        "q4_0" => KvCacheType.Q4_0,
        "fp8" or "f8_e4m3" or "fp8_e4m3" => KvCacheType.FP8,
        _ => throw new InvalidOptionException($"--kv-type '{text}' is not a KV cache type; use one of {Choices.Replace('|', ',')} (or leave it out for the backend's own)"),
    };

    /// <summary>The command-line spelling ("q8_0"; "default" for <see cref="KvCacheType.Default"/>).</summary>
    public static string Name(this KvCacheType type) => type == KvCacheType.Default ? "default" : type.ToString().ToLowerInvariant();

    /// <summary>
    /// The storage format of K and V: <paramref name="backendDefault"/> (F32 on the CPU, the compute type on a GPU) for
    /// <see cref="KvCacheType.Default"/>, else the type's own.
    /// </summary>
    public static TensorFormat Format(this KvCacheType type, TensorFormat backendDefault) => type switch
    {
        KvCacheType.Default => backendDefault,
        KvCacheType.F32 => TensorFormat.F32,
        KvCacheType.F16 => TensorFormat.F16,
        KvCacheType.BF16 => TensorFormat.BF16,
        KvCacheType.Q8_0 => TensorFormat.Q8_0,
        KvCacheType.Q4_0 => TensorFormat.Q4_0,
        KvCacheType.FP8 => TensorFormat.F8_E4M3,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown KV cache type"),
    };

    /// <summary>
    /// Bytes of one cached row (one position's K, or its V: kvHeads × headDim elements) in <paramref name="format"/>.
    /// Blocks run along each head, as ggml's cache rows do, so a block format needs a head width that is a whole number of blocks.
    /// F8_E4M3 (<see cref="KvCacheType.FP8"/>) stores each head as its fp32 scale and head_dim bytes.
    /// </summary>
    /// <exception cref="InvalidOptionException">A block format and a head width that is not a multiple of its block length.</exception>
    public static long RowBytes(TensorFormat format, int kvHeads, int headDim)
    {
        if (format == TensorFormat.F8_E4M3) return new Fp8HeadCodec(headDim).Bytes(kvHeads);
        if (headDim % format.BlockLength() != 0)
            throw new InvalidOptionException($"--kv-type {format.Name().ToLowerInvariant()} stores {format.BlockLength()}-element blocks along each head, but this model's head_dim is {headDim}; use --kv-type f16, bf16 or f32");
        return format.RowBytes((long)kvHeads * headDim);
    }

    /// <summary>The codec of cached rows in <paramref name="format"/> (a KV cache's <see cref="KvCache.Format"/>) for heads of <paramref name="headDim"/>.</summary>
    internal static IBlockCodec RowCodec(TensorFormat format, int headDim) =>
        format == TensorFormat.F8_E4M3 ? new Fp8HeadCodec(headDim) : BlockCodec.For(format);
}
