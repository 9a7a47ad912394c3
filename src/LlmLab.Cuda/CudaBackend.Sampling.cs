using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

/// <summary>Temperature / top-k / top-p sampling and the repetition penalty on the device (Kernels/sampling.cu).</summary>
public sealed unsafe partial class CudaBackend
{
    /// <summary>One 1024-thread block per row: a 128k-entry row is 125 logits per thread per pass, kept in L2.</summary>
    private const int SampleThreads = 1024;

    /// <summary>
    /// Threads of the repetition-penalty kernel (PENALTY_THREADS in sampling.cu): one block per row streams the row's
    /// logits and seen mask once; 256 threads keep enough loads in flight for a 128k-entry row.
    /// </summary>
    private const int PenaltyThreads = 256;

    private DeviceBuffer? _uniforms;
    private int _uniformRows;

    /// <inheritdoc />
    public void Sample(DeviceTensor logits, float temperature, int topK, float topP, ReadOnlySpan<float> uniforms, DeviceTensor ids)
    {
        var (l, o) = (Cuda(logits), Cuda(ids));
        if (l.DType != DType.F32) throw new ArgumentException($"sampling reads fp32 logits, not {l.DType}");
        if (o.DType != DType.I32 || o.Length < l.Rows) throw new ArgumentException($"sampling {l.Rows} rows into an {o.DType} tensor of {o.Length}");
        if (uniforms.Length < l.Rows) throw new ArgumentException($"{l.Rows} rows need {l.Rows} uniforms, got {uniforms.Length}");
        if (!(temperature > 0) || float.IsInfinity(temperature)) throw new InvalidOptionException($"temperature {temperature} must be positive for sampling (use argmax for greedy)");
        Prepare();
        NotCapturing("sampling (its draws are copied from the host)");
        if (_uniforms is null || _uniformRows < l.Rows)
        {
            _uniforms?.Dispose();
            _uniformRows = Math.Max(l.Rows, 64);
            _uniforms = _allocator.Allocate((long)_uniformRows * sizeof(float), MemoryCategory.Activations);
        }
        fixed (float* u = uniforms)
            CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(_uniforms.Pointer, u, (nuint)(l.Rows * sizeof(float)), _stream.Value));
        Launch(Kernel("sampling.cu", "sample_rows"), (l.Rows, 1, 1), SampleThreads, 0,
            l.Pointer, o.Pointer, l.Cols, 1f / temperature, topK, Math.Min(topP, 1f), _uniforms.Pointer);
    }

    /// <inheritdoc />
    public void RepetitionPenalty(DeviceTensor logits, DeviceTensor seen, DeviceTensor? consumed, float penalty)
    {
        var (l, s) = (Cuda(logits), Cuda(seen));
        var c = consumed is null ? null : Cuda(consumed);
        if (l.DType != DType.F32) throw new ArgumentException($"the repetition penalty reads fp32 logits, not {l.DType}");
        if (s.DType != DType.I32 || s.Rows < l.Rows || s.Cols != l.Cols)
            throw new ArgumentException($"repetition penalty: logits [{l.Rows}, {l.Cols}] need an I32 seen mask of the same shape, not {s.DType} [{s.Rows}, {s.Cols}]");
        if (c is not null && (c.DType != DType.I32 || c.Length < l.Rows))
            throw new ArgumentException($"repetition penalty: {l.Rows} rows need {l.Rows} consumed ids, got {c.DType} [{c.Rows}, {c.Cols}]");
        if (!(penalty > 0) || float.IsInfinity(penalty)) throw new InvalidOptionException($"--repetition-penalty {penalty} must be positive and finite");
        Prepare();
        Launch(Kernel("sampling.cu", "repetition_penalty"), (l.Rows, 1, 1), PenaltyThreads, 0,
            l.Pointer, s.Pointer, c?.Pointer ?? 0UL, l.Cols, penalty);
    }
}
