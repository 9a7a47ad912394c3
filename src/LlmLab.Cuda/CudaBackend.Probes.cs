using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Measurement;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// Graph capture, the bandwidth probe, telemetry and memory reports/checks.
public sealed partial class CudaBackend
{
    private NvmlTelemetry? _telemetry;

    /// <inheritdoc />
    public void BeginCapture()
    {
        if (_capturing) throw new InvalidOperationException($"a CUDA graph is already being captured on {Device}");
        Prepare();
        // Relaxed mode: scratch sized on first use may be allocated while the first decode step is captured.
        CudaDriver.Check(CudaDriver.cuStreamBeginCapture_v2(_stream.Value, CudaDriver.CaptureModeRelaxed));
        _capturing = true;
    }

    /// <inheritdoc />
    public CapturedGraph EndCapture()
    {
        if (!_capturing) throw new InvalidOperationException($"no CUDA graph is being captured on {Device}");
        Prepare();
        _capturing = false;
        CudaDriver.Check(CudaDriver.cuStreamEndCapture(_stream.Value, out var graph));
        var recorded = new CudaGraphHandle(_context, graph);
        try
        {
            return new CudaCapturedGraph(this, recorded, CudaGraphExecHandle.Instantiate(recorded));
        }
        catch
        {
            recorded.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public double MeasureCopyBandwidth(long bytes, int repetitions)
    {
        if (bytes <= 0 || repetitions <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), $"copy test of {bytes} bytes × {repetitions}");
        NotCapturing("MeasureCopyBandwidth");
        Prepare();
        using var source = _allocator.Allocate(bytes, MemoryCategory.Other);
        using var destination = _allocator.Allocate(bytes, MemoryCategory.Other);
        using var start = CudaEvent.Create(_context);
        using var end = CudaEvent.Create(_context);
        CudaDriver.Check(CudaDriver.cuMemsetD8Async(source.Pointer, 0x5a, (nuint)bytes, _stream.Value));
        CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync_v2(destination.Pointer, source.Pointer, (nuint)bytes, _stream.Value)); // warm-up
        start.Record(_stream);
        for (int i = 0; i < repetitions; i++)
            CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync_v2(destination.Pointer, source.Pointer, (nuint)bytes, _stream.Value));
        end.Record(_stream);
        end.Synchronize();
        double seconds = end.MillisecondsSince(start) / 1000.0;
        return 2.0 * bytes * repetitions / seconds;
    }

    /// <inheritdoc />
    public string DeviceName => Info.Name;

    /// <inheritdoc />
    public TelemetrySample Sample()
    {
        _telemetry ??= NvmlTelemetry.Open(Info);
        return _telemetry.Sample();
    }

    /// <summary>What this backend holds on the device, by category, its peak, and what the driver reports now and at creation.</summary>
    public MemoryReport MemoryReport()
    {
        MakeCurrent();
        var (free, total) = DeviceAllocator.DriverMemory();
        return Memory.Report(free, total, _driverFreeAtStart);
    }

    /// <summary>
    /// Throws <see cref="OutOfDeviceMemoryException"/> when <paramref name="plan"/> does not fit the device memory free now,
    /// saying what is needed, what is free and what would fit. Allocates nothing: call it before loading a model.
    /// </summary>
    public void CheckFits(MemoryPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        MakeCurrent();
        var (free, total) = DeviceAllocator.DriverMemory();
        MemoryFit.Check(Device, plan, free, total, Memory);
    }

    /// <inheritdoc />
    public void CheckFits(DecoderShape config, int batch, int context) => CheckFits(Plan(config, batch, context));

    /// <inheritdoc />
    MemoryPlan IMemoryPlanner.Plan(DecoderShape config, int batch, int context) => Plan(config, batch, context);

    /// <inheritdoc />
    public (long Free, long Total) DriverMemory()
    {
        MakeCurrent();
        return DeviceAllocator.DriverMemory();
    }

    /// <summary>Same as <see cref="CheckFits(MemoryPlan)"/> for the three amounts in bytes.</summary>
    public void CheckFits(long weightBytes, long kvBytes, long workspaceBytes) => CheckFits(new MemoryPlan(weightBytes, kvBytes, workspaceBytes));

    /// <summary>
    /// Device memory a model needs on this backend: weights in the compute type (vectors in fp32), a KV cache for
    /// <paramref name="batch"/> × <paramref name="maxSequence"/> tokens, and the session's activations and scratch
    /// for steps of up to <paramref name="maxTokensPerStep"/> tokens per sequence (prefill attention scores included).
    /// </summary>
    public MemoryPlan Plan(DecoderShape config, int batch, int maxSequence, int maxTokensPerStep = DecoderShape.DefaultPrefillChunk)
    {
        ArgumentNullException.ThrowIfNull(config);
        int act = ActivationType.SizeOf();
        long weights = config.MatrixParameters * act + config.VectorParameters * sizeof(float);
        long perToken = config.KvCacheBytesPerToken(act);
        long kv = perToken * batch * maxSequence;
        // One arithmetic with the planner's (llmlab plan): CudaMemoryRule.
        long workspace = CudaMemoryRule.WorkspaceBytes(config, batch, maxSequence, maxTokensPerStep, ActivationType, CanFlashPrefill(config.HeadDim), Options.GemmWorkspaceBytes);
        return new MemoryPlan(weights, kv, workspace, perToken);
    }
}

/// <summary>A decode step recorded on a <see cref="CudaBackend"/>'s stream; replays as one graph launch.</summary>
internal sealed class CudaCapturedGraph(CudaBackend backend, CudaGraphHandle graph, CudaGraphExecHandle exec) : CapturedGraph
{
    public override void Replay()
    {
        backend.Prepare();
        exec.Launch(backend.Stream);
    }

    public override void Dispose()
    {
        exec.Dispose();
        graph.Dispose();
    }
}
