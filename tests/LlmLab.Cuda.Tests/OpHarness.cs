using System.Runtime.InteropServices;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Cuda.Tests;

/// <summary>
/// The same inputs on the CPU reference and on a GPU. Inputs are random, rounded to the GPU's compute type first
/// so both backends start from identical values; activations are made by embedding rows of a table (the only
/// way the backend interface takes floats in), which also checks Embedding on every use.
/// </summary>
internal sealed unsafe class OpHarness : IDisposable
{
    private readonly List<nint> _native = [];
    private readonly List<IDisposable> _owned = [];
    private readonly Random _random;

    public OpHarness(CudaBackend gpu, int seed = 1234)
    {
        Gpu = gpu;
        Cpu = new CpuBackend();
        _random = new Random(seed);
    }

    public CpuBackend Cpu { get; }
    public CudaBackend Gpu { get; }
    public DType Compute => Gpu.ActivationType;

    /// <summary>Random values in [−scale, scale], rounded to the compute type.</summary>
    public float[] Random(long count, float scale = 1f)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = Round((float)(_random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public float Round(float v) => Compute switch
    {
        DType.BF16 => FloatConversion.BF16ToSingle(FloatConversion.SingleToBF16(v)),
        DType.F16 => (float)(Half)v,
        _ => v,
    };

    /// <summary>A weight on both backends ([rows, cols], or a vector when <paramref name="vector"/>).</summary>
    public (DeviceWeight Cpu, DeviceWeight Gpu) Weight(string name, float[] values, int rows, int cols, bool vector = false)
    {
        var p = (float*)NativeMemory.Alloc((nuint)values.Length, sizeof(float));
        _native.Add((nint)p);
        values.CopyTo(new Span<float>(p, values.Length));
        var view = new TensorView(name, TensorFormat.F32, vector ? [cols] : [rows, cols], (byte*)p, (long)values.Length * sizeof(float));
        var pair = (Cpu.LoadWeight(view), Gpu.LoadWeight(view));
        _owned.Add(pair.Item1);
        _owned.Add(pair.Item2);
        return pair;
    }

    /// <summary>
    /// Matrices of one row length on both backends: one by one on the CPU, back to back on the GPU
    /// (<see cref="IWeightGroups"/>, as models are loaded).
    /// </summary>
    public (DeviceWeight Cpu, DeviceWeight Gpu)[] WeightGroup(int cols, params (string Name, float[] Values, int Rows)[] matrices)
    {
        var views = new List<TensorView>();
        foreach (var (name, values, rows) in matrices)
        {
            var p = (float*)NativeMemory.Alloc((nuint)values.Length, sizeof(float));
            _native.Add((nint)p);
            values.CopyTo(new Span<float>(p, values.Length));
            views.Add(new TensorView(name, TensorFormat.F32, [rows, cols], (byte*)p, (long)values.Length * sizeof(float)));
        }
        var gpu = Gpu.LoadWeightGroup(views);
        var pairs = new (DeviceWeight Cpu, DeviceWeight Gpu)[views.Count];
        for (int i = 0; i < views.Count; i++)
        {
            pairs[i] = (Cpu.LoadWeight(views[i]), gpu[i]);
            _owned.Add(pairs[i].Cpu);
            _owned.Add(pairs[i].Gpu);
        }
        return pairs;
    }

    /// <summary>
    /// A [rows, cols] matrix in block format <paramref name="format"/> (random values quantized by LlmLab's ggml-exact
    /// quantizer) on the GPU, with its dequantized values (ggml's dequantize_row, BlockCodec) for the reference.
    /// </summary>
    public (DeviceWeight Gpu, float[] Dequantized) QuantWeight(string name, TensorFormat format, int rows, int cols, float scale = 0.1f)
    {
        var view = QuantView(name, format, rows, cols, scale, out var dequantized);
        var gpu = Gpu.LoadWeight(view);
        _owned.Add(gpu);
        return (gpu, dequantized);
    }

    /// <summary>Block matrices of one row length placed as a group on the GPU (<see cref="IWeightGroups"/>, as models load q/k/v and gate/up).</summary>
    public (DeviceWeight Gpu, float[] Dequantized)[] QuantWeightGroup(int cols, params (string Name, TensorFormat Format, int Rows)[] matrices)
    {
        var dequantized = new float[matrices.Length][];
        var views = matrices.Select((m, i) => QuantView(m.Name, m.Format, m.Rows, cols, 0.1f, out dequantized[i])).ToArray();
        var gpu = Gpu.LoadWeightGroup(views);
        _owned.AddRange(gpu);
        return gpu.Select((w, i) => (w, dequantized[i])).ToArray();
    }

    private TensorView QuantView(string name, TensorFormat format, int rows, int cols, float scale, out float[] dequantized)
    {
        // Rows of different magnitudes (as trained weights have), so the per-block scales differ.
        var values = new float[(long)rows * cols];
        for (long i = 0; i < values.Length; i++) values[i] = (float)(_random.NextDouble() * 2 - 1) * scale * (1 + (i / cols) % 7);
        long bytes = format.ByteCount([rows, cols]);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes);
        _native.Add((nint)p);
        // Row by row: an FP8 row carries its own scale.
        int rowBytes = checked((int)format.RowBytes(cols));
        dequantized = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            var row = new Span<byte>(p + (long)r * rowBytes, rowBytes);
            LlmLab.Quantization.BlockCodec.Quantize(format, values.AsSpan(r * cols, cols), row);
            LlmLab.Quantization.BlockCodec.Dequantize(format, row, dequantized.AsSpan(r * cols, cols));
        }
        return new TensorView(name, format, [rows, cols], p, bytes);
    }

    /// <summary>An I32 [rows, 1] tensor on both backends.</summary>
    public (DeviceTensor Cpu, DeviceTensor Gpu) Ints(int[] values)
    {
        var pair = (Cpu.Allocate(DType.I32, values.Length, 1), Gpu.Allocate(DType.I32, values.Length, 1));
        Cpu.Write(pair.Item1, values);
        Gpu.Write(pair.Item2, values);
        _owned.Add(pair.Item1);
        _owned.Add(pair.Item2);
        return pair;
    }

    /// <summary>An activation [rows, cols] holding <paramref name="values"/> on both backends.</summary>
    public (DeviceTensor Cpu, DeviceTensor Gpu) Activation(float[] values, int rows, int cols)
    {
        var table = Weight("input", values, rows, cols);
        var ids = Ints(Enumerable.Range(0, rows).ToArray());
        var pair = Empty(rows, cols);
        Cpu.Embedding(ids.Cpu, table.Cpu, pair.Cpu);
        Gpu.Embedding(ids.Gpu, table.Gpu, pair.Gpu);
        return pair;
    }

    /// <summary>A zeroed activation [rows, cols] (F32 output on the GPU when <paramref name="f32"/>).</summary>
    public (DeviceTensor Cpu, DeviceTensor Gpu) Empty(int rows, int cols, bool f32 = false)
    {
        var pair = (Cpu.Allocate(DType.F32, rows, cols), Gpu.Allocate(f32 ? DType.F32 : Compute, rows, cols));
        _owned.Add(pair.Item1);
        _owned.Add(pair.Item2);
        return pair;
    }

    public (float[] Cpu, float[] Gpu) Read((DeviceTensor Cpu, DeviceTensor Gpu) t)
    {
        var c = new float[t.Cpu.Length];
        var g = new float[t.Gpu.Length];
        Cpu.Read(t.Cpu, c);
        Gpu.Read(t.Gpu, g);
        return (c, g);
    }

    /// <summary>Normalised mean squared error Σ(a − r)² / Σr² of the GPU result against the CPU's.</summary>
    public static double Nmse(float[] gpu, float[] cpu)
    {
        Assert.Equal(cpu.Length, gpu.Length);
        double err = 0, norm = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            double d = (double)gpu[i] - cpu[i];
            err += d * d;
            norm += (double)cpu[i] * cpu[i];
        }
        Assert.False(double.IsNaN(err), "NaN in the GPU result");
        return norm == 0 ? err : err / norm;
    }

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned)) d.Dispose();
        foreach (var p in _native) NativeMemory.Free((void*)p);
        Cpu.Dispose();
    }
}
