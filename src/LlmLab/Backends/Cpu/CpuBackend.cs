using System.Numerics.Tensors;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// The reference backend: fp32 math on all cores with SIMD, weights read in their stored format. Each weight matrix
/// gets a copy of its own in anonymous (huge-page) memory at load, repacked where the format has a kernel layout
/// (<see cref="CpuWeight"/>); tables only gathered from stay in the memory-mapped checkpoint. Its results are what other
/// backends are held to.
/// </summary>
public sealed unsafe class CpuBackend : IBackend, IBandwidthProbe, IMemoryReporter, IGatherTables
{
    private readonly long _availableAtStart = HostMemory.Read().Available;

    /// <inheritdoc />
    public MemoryReport MemoryReport()
    {
        var (available, total) = HostMemory.Read();
        return Memory.Report(available, total, _availableAtStart);
    }

    /// <inheritdoc />
    public double MeasureCopyBandwidth(long bytes, int repetitions) => CpuBandwidth.Measure(bytes, repetitions);

    /// <inheritdoc />
    public string Device => "cpu";

    /// <inheritdoc />
    public DType ActivationType => DType.F32;

    /// <inheritdoc />
    public MemoryLedger Memory { get; } = new("cpu");

    /// <inheritdoc />
    public bool Supports(BackendOp op, TensorFormat weightFormat) => CpuMatMul.Reads(weightFormat);

    /// <inheritdoc />
    public DeviceWeight LoadWeight(TensorView tensor) => Load(tensor, resident: true);

    /// <inheritdoc />
    /// <remarks>The table stays in the mapped file: a gather reads a few rows, so a resident copy would only cost memory and load time.</remarks>
    public DeviceWeight LoadGatherTable(TensorView tensor) => Load(tensor, resident: false);

    private CpuWeight Load(TensorView tensor, bool resident)
    {
        if (!Supports(BackendOp.MatMul, tensor.Format))
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' is {tensor.Format}; the CPU backend computes with F32, F16, BF16, FP8 (with a weight_scale) and the ggml block formats Q8_0 … MXFP4; convert the tensor to one of those");
        var (rows, cols) = tensor.Shape.Length switch
        {
            1 => (1, checked((int)tensor.Shape[0])),
            2 => (checked((int)tensor.Shape[0]), checked((int)tensor.Shape[1])),
            _ => throw new InvalidCheckpointException($"tensor '{tensor.Name}' has shape {tensor.ShapeText}; weights are vectors or matrices"),
        };
        if (!tensor.Format.DividesRow(cols))
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' is {tensor.Format} with rows of {cols} elements, not a whole number of {tensor.Format.BlockLength()}-element blocks; the file is damaged or mislabelled");
        // A copy only where RAM has room for it: a model too large for RAM keeps working from the mapped file (the page
        // cache), slowly, rather than running out of memory.
        bool room = resident && RoomForCopy(tensor.Format.ByteCount([rows, cols]), HostMemory.Read());
        if (resident && !room) WeightBytesLeftMapped += tensor.Format.ByteCount([rows, cols]);
        return new CpuWeight(tensor, rows, cols, Memory, room);
    }

    /// <summary>
    /// Bytes of weight matrices left in the memory-mapped file because RAM had no room for their copy at load (see
    /// <see cref="RoomForCopy"/>); 0 when every matrix got one. Products on those read the page cache, more slowly.
    /// </summary>
    public long WeightBytesLeftMapped { get; private set; }

    /// <summary>
    /// Whether a copy of <paramref name="bytes"/> leaves at least max(1 GiB, 5 % of RAM) of <paramref name="memory"/>'s
    /// available bytes free (MemAvailable counts the model file's page cache, which the copy may evict).
    /// </summary>
    internal static bool RoomForCopy(long bytes, (long Available, long Total) memory) =>
        bytes <= memory.Available - Math.Max(1L << 30, memory.Total / 20);

    /// <inheritdoc />
    public DeviceTensor Allocate(DType dtype, int rows, int cols, MemoryCategory category = MemoryCategory.Activations) =>
        new CpuTensor(dtype, rows, cols, Memory, category);

    /// <inheritdoc />
    public DeviceTensor View(DeviceTensor tensor, int rows) => new CpuTensor(Cpu(tensor), rows);

    /// <inheritdoc />
    public KvCache AllocateKvCache(KvCacheShape shape) => new CpuKvCache(shape, Memory);

    /// <inheritdoc />
    public RopeTable CreateRopeTable(RopeSpec rope, int maxPositions) => new CpuRopeTable(rope, maxPositions);

    /// <inheritdoc />
    public void Write(DeviceTensor destination, ReadOnlySpan<int> values) => values.CopyTo(Cpu(destination).IntSpan);

    /// <inheritdoc />
    public void Write(DeviceTensor destination, ReadOnlySpan<float> values)
    {
        var t = Cpu(destination);
        if (t.DType != DType.F32) throw new ArgumentException($"Write of floats needs an F32 tensor, not {t.DType}");
        values.CopyTo(t.FloatSpan);
    }

    /// <inheritdoc />
    public void Read(DeviceTensor source, Span<float> destination) => Cpu(source).FloatSpan[..destination.Length].CopyTo(destination);

    /// <inheritdoc />
    public void Read(DeviceTensor source, Span<int> destination) => Cpu(source).IntSpan[..destination.Length].CopyTo(destination);

    /// <inheritdoc />
    public void Embedding(DeviceTensor ids, DeviceWeight table, DeviceTensor output)
    {
        var (idx, w, y) = (Cpu(ids), Cpu(table), Cpu(output));
        for (int r = 0; r < idx.Rows; r++)
        {
            int id = idx.Ints[r];
            if ((uint)id >= (uint)w.Rows) throw new InvalidOptionException($"token id {id} is outside the vocabulary of {w.Rows}");
            w.RowToSingle(id, y.Row(r));
        }
    }

    /// <inheritdoc />
    public void RmsNorm(DeviceTensor x, DeviceWeight weight, float eps, DeviceTensor output)
    {
        var (xs, w, y) = (Cpu(x), Cpu(weight), Cpu(output));
        int group = w.Cols, groups = xs.Cols / group;
        if (groups * group != xs.Cols) throw new ArgumentException($"RMSNorm: row width {xs.Cols} is not a multiple of {w.Name} length {group}");
        CpuParallel.For(xs.Rows, xs.Length, r =>
        {
            for (int g = 0; g < groups; g++)
                NormalizeGroup(xs.Row(r).Slice(g * group, group), w.Vector, eps, y.Row(r).Slice(g * group, group));
        });
    }

    /// <inheritdoc />
    public void AddRmsNorm(DeviceTensor residual, DeviceTensor delta, DeviceWeight weight, float eps, DeviceTensor output)
    {
        Add(residual, delta);
        RmsNorm(residual, weight, eps, output);
    }

    // transformers' LlamaRMSNorm in fp32: x * rsqrt(mean(x²) + eps) * w.
    private static void NormalizeGroup(Span<float> x, ReadOnlySpan<float> w, float eps, Span<float> y)
    {
        float meanSquare = TensorPrimitives.SumOfSquares(x) / x.Length;
        float inv = 1f / MathF.Sqrt(meanSquare + eps);
        TensorPrimitives.Multiply(x, inv, y);
        TensorPrimitives.Multiply(y, w, y);
    }

    /// <inheritdoc />
    public void MatMul(DeviceTensor x, DeviceWeight weight, DeviceWeight? bias, DeviceTensor output) =>
        CpuMatMul.Run(Cpu(x), Cpu(weight), bias is null ? null : Cpu(bias), Cpu(output));

    // The fused operations are their compositions on the CPU (no kernel launches to save); these make them callable on a
    // CpuBackend-typed value as on an IBackend.

    /// <inheritdoc />
    public void QkvProjection(DeviceTensor x, QkvWeights w, DeviceTensor q, DeviceTensor k, DeviceTensor v) =>
        ComposedOps.QkvProjection(this, x, w, q, k, v);

    /// <inheritdoc />
    public void QkvRopeAndCache(DeviceTensor x, QkvWeights w, float eps, RopeTable rope, StepLayout step, KvCache cache, int layer,
        DeviceTensor q, DeviceTensor k, DeviceTensor v) =>
        ComposedOps.QkvRopeAndCache(this, x, w, eps, rope, step, cache, layer, q, k, v);

    /// <inheritdoc />
    public void GateUpSwiGlu(DeviceTensor x, DeviceWeight gateWeight, DeviceWeight upWeight, DeviceTensor gate, DeviceTensor up) =>
        ComposedOps.GateUpSwiGlu(this, x, gateWeight, upWeight, gate, up);

    /// <inheritdoc />
    public void Add(DeviceTensor residual, DeviceTensor delta)
    {
        var (a, b) = (Cpu(residual), Cpu(delta));
        TensorPrimitives.Add(a.FloatSpan, b.FloatSpan, a.FloatSpan);
    }

    /// <inheritdoc />
    public void RopeAndCache(DeviceTensor q, DeviceTensor k, DeviceTensor v, RopeTable rope, StepLayout step, KvCache cache, int layer)
    {
        var (qs, ks, vs, table, kv) = (Cpu(q), Cpu(k), Cpu(v), (CpuRopeTable)rope, (CpuKvCache)cache);
        int headDim = rope.HeadDim, half = headDim / 2;
        int[] positions = CpuAttention.ReadPositions(step);
        for (int row = 0; row < step.Rows; row++)
        {
            int pos = positions[row], seq = row / step.TokensPerSequence;
            if ((uint)pos >= (uint)Math.Min(rope.MaxPositions, kv.Shape.MaxSequence))
                throw new InvalidOptionException($"position {pos} is beyond the allocated context of {kv.Shape.MaxSequence} tokens");
            var cos = table.Cos.AsSpan(pos * half, half);
            var sin = table.Sin.AsSpan(pos * half, half);
            if (table.Interleaved)
            {
                RotateInterleaved(qs.Row(row), headDim, cos, sin);
                RotateInterleaved(ks.Row(row), headDim, cos, sin);
            }
            else
            {
                Rotate(qs.Row(row), headDim, cos, sin);
                Rotate(ks.Row(row), headDim, cos, sin);
            }
            kv.Write(layer, seq, pos, ks.Row(row), vs.Row(row));   // fp32 copied as is; other types encoded per row
        }
    }

    // rotate_half convention: (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) with x1, x2 the two halves of a head.
    private static void Rotate(Span<float> row, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = headDim / 2;
        for (int h = 0; h < row.Length; h += headDim)
            for (int i = 0; i < half; i++)
            {
                float x1 = row[h + i], x2 = row[h + half + i];
                row[h + i] = x1 * cos[i] - x2 * sin[i];
                row[h + half + i] = x2 * cos[i] + x1 * sin[i];
            }
    }

    // Interleaved (GPT-J, ggml's default for GGUF llama): pair i is the neighbours (2i, 2i+1) of a head, with the same
    // angle as rotate_half's pair (i, i + half): (x0, x1) → (x0·cos − x1·sin, x1·cos + x0·sin).
    private static void RotateInterleaved(Span<float> row, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = headDim / 2;
        for (int h = 0; h < row.Length; h += headDim)
            for (int i = 0; i < half; i++)
            {
                float x0 = row[h + 2 * i], x1 = row[h + 2 * i + 1];
                row[h + 2 * i] = x0 * cos[i] - x1 * sin[i];
                row[h + 2 * i + 1] = x1 * cos[i] + x0 * sin[i];
            }
    }

    /// <inheritdoc />
    public void Attention(DeviceTensor q, KvCache cache, int layer, StepLayout step, DeviceTensor output)
    {
        int heads = q.Cols / cache.Shape.HeadDim;
        CpuAttention.Run(Cpu(q), (CpuKvCache)cache, layer, step, heads, Cpu(output));
    }

    /// <inheritdoc />
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor output)
    {
        var (g, u, y) = (Cpu(gate), Cpu(up), Cpu(output));
        // silu(g) = g · sigmoid(g), then · up; output may alias gate, so sigmoid goes to a scratch row.
        CpuParallel.For(g.Rows, g.Length * 8, r =>
        {
            var sig = CpuScratch.FloatsA(g.Cols);
            TensorPrimitives.Sigmoid(g.Row(r), sig);
            TensorPrimitives.Multiply(sig, g.Row(r), sig);
            TensorPrimitives.Multiply(sig, u.Row(r), y.Row(r));
        });
    }

    /// <inheritdoc />
    public void LastRows(DeviceTensor x, StepLayout step, DeviceTensor output)
    {
        var (xs, y) = (Cpu(x), Cpu(output));
        for (int b = 0; b < step.Batch; b++) xs.Row(b * step.TokensPerSequence + step.TokensPerSequence - 1).CopyTo(y.Row(b));
    }

    /// <inheritdoc />
    public void Argmax(DeviceTensor logits, DeviceTensor ids)
    {
        var (l, o) = (Cpu(logits), Cpu(ids));
        for (int r = 0; r < l.Rows; r++) o.Ints[r] = TensorPrimitives.IndexOfMax(l.Row(r));
    }

    /// <inheritdoc />
    public void Sample(DeviceTensor logits, float temperature, int topK, float topP, ReadOnlySpan<float> uniforms, DeviceTensor ids)
    {
        var (l, o) = (Cpu(logits), Cpu(ids));
        if (uniforms.Length < l.Rows) throw new ArgumentException($"{l.Rows} rows need {l.Rows} uniforms, got {uniforms.Length}");
        for (int r = 0; r < l.Rows; r++) o.Ints[r] = CpuSampling.SampleRow(l.Row(r), temperature, topK, topP, uniforms[r]);
    }

    /// <inheritdoc />
    public void RepetitionPenalty(DeviceTensor logits, DeviceTensor seen, DeviceTensor? consumed, float penalty)
    {
        var (l, s) = (Cpu(logits), Cpu(seen));
        var c = consumed is null ? null : Cpu(consumed);
        if (s.DType != DType.I32 || s.Rows < l.Rows || s.Cols != l.Cols)
            throw new ArgumentException($"repetition penalty: logits [{l.Rows}, {l.Cols}] need an I32 seen mask of the same shape, not {s.DType} [{s.Rows}, {s.Cols}]");
        if (c is not null && (c.DType != DType.I32 || c.Length < l.Rows))
            throw new ArgumentException($"repetition penalty: {l.Rows} rows need {l.Rows} consumed ids, got {c.DType} [{c.Rows}, {c.Cols}]");
        for (int r = 0; r < l.Rows; r++)
            CpuRepetitionPenalty.ApplyRow(l.Row(r), s.IntSpan.Slice(r * s.Cols, s.Cols), c is null ? null : c.IntSpan[r], penalty);
    }

    /// <inheritdoc />
    public void Synchronize() { }

    /// <inheritdoc />
    public void Dispose() { }

    private static CpuTensor Cpu(DeviceTensor t) => t as CpuTensor ?? throw new ArgumentException("tensor belongs to another backend");
    private static CpuWeight Cpu(DeviceWeight w) => w as CpuWeight ?? throw new ArgumentException($"weight {w.Name} belongs to another backend");
}
