using System.Diagnostics;
using System.Runtime.InteropServices;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Times the CPU backend's own matrix product y[n, m] = x[n, k] · W[m, k]ᵀ — the kernel a prefill step runs for a
/// weight format (widened fp32 tiles for F32/F16/BF16 and FP8, int8 block dots and the repacked 16-row layout for the block
/// formats) — on a synthetic weight of that format, and returns its rate in FLOP/s (2·n·m·k per product). The planner
/// turns it into a predicted CPU prefill (Planning/CpuPrefillRate).
/// </summary>
/// <remarks>
/// The weight is one row of Gaussian values encoded in the format (by <see cref="BlockCodec"/>, or random bytes for a
/// block format LlmLab has no encoder for) and copied to every row: the kernels' time does not depend on the values,
/// and every row sits at its own address, so a matrix larger than the caches is read from DRAM as the model's is. It
/// goes through <see cref="CpuWeight"/> as a loaded tensor does (repacked where the format has a repacked layout).
/// </remarks>
public static unsafe class CpuMatMulProbe
{
    /// <summary>
    /// Most bytes of the synthetic weight: 64 MiB, past a 32 MiB last-level cache (so a layer matrix that the model
    /// streams from DRAM is streamed here too) while bounding what the probe allocates; taller matrices are cut to it.
    /// </summary>
    public const long MaxWeightBytes = 64L << 20;

    /// <summary>Most activation rows: the session's prefill chunk (a longer prompt is multiplied 512 rows at a time).</summary>
    public const int MaxXRows = DecoderShape.DefaultPrefillChunk;

    /// <summary>Most timed products per format (a short product is repeated for a steadier median).</summary>
    private const int MaxRepetitions = 15;

    /// <summary>Seed of the synthetic values (any; fixed so two probes multiply the same numbers).</summary>
    private const int Seed = 11;

    /// <summary>
    /// Multiplies <paramref name="xRows"/> rows by a [<paramref name="weightRows"/>, <paramref name="cols"/>] weight in
    /// <paramref name="format"/> — once untimed (scratch, caches, JIT), then until <paramref name="budget"/> has passed
    /// (at least once, at most 15 times) — and returns the median product's FLOP/s. Rows beyond
    /// <see cref="MaxWeightBytes"/> and x rows beyond <see cref="MaxXRows"/> are cut off.
    /// </summary>
    /// <exception cref="ArgumentException">A format the CPU backend cannot multiply, a non-positive size, or columns that are not whole blocks.</exception>
    public static double MeasureFlopsPerSecond(TensorFormat format, int weightRows, int cols, int xRows, TimeSpan budget)
    {
        if (weightRows < 1 || cols < 1 || xRows < 1)
            throw new ArgumentException($"matmul probe: W [{weightRows}, {cols}] · x [{xRows}, {cols}] needs positive sizes");
        if (!CpuMatMul.Reads(format))
            throw new ArgumentException($"matmul probe: the CPU backend has no kernel for {format}");
        if (!format.DividesRow(cols))
            throw new ArgumentException($"matmul probe: rows of {cols} elements are not whole {format} blocks of {format.BlockLength()}");
        long rowBytes = format.RowBytes(cols);
        int rows = ProbedRows(format, weightRows, cols);
        int n = Math.Min(xRows, MaxXRows);
        long bytes = rowBytes * rows;
        var ledger = new MemoryLedger("cpu");
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            var random = new Random(Seed);
            var row = Gaussian(random, cols);
            var encoded = Encode(format, row, rowBytes, random);
            fixed (byte* source = encoded)
                for (long r = 0; r < rows; r++) Buffer.MemoryCopy(source, data + r * rowBytes, rowBytes, rowBytes);
            var view = new TensorView("probe.weight", format, [rows, cols], data, bytes);
            using var weight = new CpuWeight(view, rows, cols, ledger);
            using var x = new CpuTensor(DType.F32, n, cols, ledger, MemoryCategory.Activations);
            using var y = new CpuTensor(DType.F32, n, rows, ledger, MemoryCategory.Activations);
            Gaussian(random, n * cols).CopyTo(x.FloatSpan);
            CpuMatMul.Run(x, weight, null, y);
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            while (times.Count < MaxRepetitions && (times.Count == 0 || clock.Elapsed < budget))
            {
                long start = Stopwatch.GetTimestamp();
                CpuMatMul.Run(x, weight, null, y);
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            times.Sort();
            return 2.0 * n * rows * cols / times[times.Count / 2];
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    /// <summary>Rows of a [<paramref name="weightRows"/>, <paramref name="cols"/>] weight the probe multiplies: all, or as many as <see cref="MaxWeightBytes"/> holds (at least one).</summary>
    public static int ProbedRows(TensorFormat format, int weightRows, int cols) => (int)Math.Clamp(MaxWeightBytes / format.RowBytes(cols), 1, Math.Max(1, weightRows));

    // One row in the format: floats as stored, block formats through LlmLab's encoder (random bytes where it has none).
    private static byte[] Encode(TensorFormat format, float[] row, long rowBytes, Random random)
    {
        var bytes = new byte[rowBytes];
        switch (format)
        {
            case TensorFormat.F32:
                MemoryMarshal.AsBytes(row.AsSpan()).CopyTo(bytes);
                break;
            case TensorFormat.BF16:
                FloatConversion.SingleToBF16(row, MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()));
                break;
            case TensorFormat.F16:
                for (int i = 0; i < row.Length; i++) MemoryMarshal.Cast<byte, Half>(bytes.AsSpan())[i] = (Half)row[i];
                break;
            default:
                if (BlockCodec.Supports(format)) BlockCodec.Quantize(format, row, bytes);
                else random.NextBytes(bytes);
                break;
        }
        return bytes;
    }

    // Standard normal values (Box–Muller): finite, no zeros or subnormals to take a slow path.
    private static float[] Gaussian(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }
}
