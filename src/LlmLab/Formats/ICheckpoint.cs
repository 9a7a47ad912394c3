using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// A set of named tensors in files: a Hugging Face safetensors checkpoint (one file or shards) or a GGUF file.
/// Models, inspect and the tensor manifest read weights through this, whatever the container.
/// </summary>
public interface ICheckpoint : IDisposable
{
    /// <summary>The file or folder the checkpoint was opened from (for messages).</summary>
    string Path { get; }

    /// <summary>All tensor names, in file order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>True when a tensor called <paramref name="name"/> exists.</summary>
    bool Contains(string name);

    /// <summary>Name, storage format, shape (outermost first), bytes and file of <paramref name="name"/>.</summary>
    /// <exception cref="InvalidCheckpointException">No such tensor (the message names the checkpoint and tensor).</exception>
    CheckpointTensor Describe(string name);

    /// <summary>A zero-copy view of <paramref name="name"/>'s bytes, valid while the checkpoint is open.</summary>
    /// <exception cref="InvalidCheckpointException">No such tensor.</exception>
    TensorView Tensor(string name);
}

/// <summary>One tensor of a checkpoint: its storage format, shape (outermost first, the row last) and bytes.</summary>
public sealed record CheckpointTensor(string Name, TensorFormat Format, long[] Shape, long Bytes, string File)
{
    /// <summary>Shape as text, e.g. <c>[4096, 128256]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Number of elements.</summary>
    public long Elements => Shape.Aggregate(1L, (a, d) => checked(a * d));
}
