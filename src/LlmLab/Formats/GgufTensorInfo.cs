using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// One validated tensor info of a GGUF file: name, storage format, shape and where its bytes lie.
/// </summary>
/// <param name="Name">Tensor name, e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Format">Storage format (from the ggml type id).</param>
/// <param name="Shape">Shape, outermost first (the reverse of ggml's <c>ne</c>): a 4096-wide row of 11008 rows is [11008, 4096].</param>
/// <param name="Offset">Byte offset of the data relative to the data section (a multiple of the file's alignment).</param>
/// <param name="Bytes">Byte length, from the format's block geometry.</param>
public sealed record GgufTensorInfo(string Name, TensorFormat Format, long[] Shape, long Offset, long Bytes)
{
    /// <summary>ggml's <c>ggml_type</c> id of <see cref="Format"/>.</summary>
    public uint GgmlType => (uint)Format.GgmlType()!.Value;

    /// <summary>The dimensions as ggml stores them (<c>ne</c>, fastest-varying first).</summary>
    public long[] Dimensions => Shape.Reverse().ToArray();

    /// <summary>Number of elements.</summary>
    public long Elements => Shape.Aggregate(1L, (a, d) => checked(a * d));

    /// <summary>Shape as text, e.g. <c>[11008, 4096]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
