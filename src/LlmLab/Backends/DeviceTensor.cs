using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>A 2-D row-major tensor [Rows, Cols] owned by a backend.</summary>
public abstract class DeviceTensor : IDisposable
{
    /// <summary>Creates the descriptor.</summary>
    protected DeviceTensor(DType dtype, int rows, int cols)
    {
        DType = dtype;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Element type.</summary>
    public DType DType { get; }
    /// <summary>Rows (tokens).</summary>
    public int Rows { get; }
    /// <summary>Columns (features).</summary>
    public int Cols { get; }
    /// <summary>Elements.</summary>
    public long Length => (long)Rows * Cols;
    /// <summary>Bytes.</summary>
    public long Bytes => Length * DType.SizeOf();

    /// <summary>Releases the memory.</summary>
    public abstract void Dispose();
}

/// <summary>A weight on a backend: [Rows, Cols] = [out features, in features] (1-D weights have one row).</summary>
public abstract class DeviceWeight : IDisposable
{
    /// <summary>Creates the descriptor.</summary>
    protected DeviceWeight(string name, TensorFormat format, int rows, int cols)
    {
        Name = name;
        Format = format;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Checkpoint tensor name.</summary>
    public string Name { get; }
    /// <summary>Storage format the backend computes with (an element type or a block type).</summary>
    public TensorFormat Format { get; }
    /// <summary>Output features (1 for vectors).</summary>
    public int Rows { get; }
    /// <summary>Input features (the length for vectors).</summary>
    public int Cols { get; }
    /// <summary>Bytes read when the weight is used once.</summary>
    public long Bytes => Format.ByteCount([Rows, Cols]);

    /// <summary>Releases what the backend holds.</summary>
    public abstract void Dispose();
}

/// <summary>Rotary cos/sin tables on a backend.</summary>
public abstract class RopeTable : IDisposable
{
    /// <summary>Creates the descriptor.</summary>
    protected RopeTable(int headDim, int maxPositions)
    {
        HeadDim = headDim;
        MaxPositions = maxPositions;
    }

    /// <summary>Head width the table rotates.</summary>
    public int HeadDim { get; }
    /// <summary>Positions covered.</summary>
    public int MaxPositions { get; }

    /// <summary>Releases the memory.</summary>
    public abstract void Dispose();
}
