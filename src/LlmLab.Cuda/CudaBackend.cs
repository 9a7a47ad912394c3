using System.Text;
using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Cuda.SafeHandles;
using LlmLab.Measurement;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

/// <summary>
/// The CUDA backend: one GPU, one stream, the device's primary context made current by every call (so
/// several backends, on several GPUs, can be driven from one thread). Float weights, activations and the KV cache
/// are kept in <see cref="CudaBackendOptions.ComputeType"/>; ggml block-format weights (Q8_0 … MXFP4) stay in their
/// blocks and are read by Kernels/gemv_quant.cu (CudaBackend.Quantized.cs); kernels (Kernels/*.cu) are compiled by NVRTC for the
/// device at creation and cached on disk; products of more than a few rows go through cuBLASLt.
/// All ops are queued on the stream; Read and Synchronize wait, and report device-side input errors
/// (a token id outside the vocabulary, a position past the cache) raised by the kernels since the last wait.
/// </summary>
public sealed unsafe partial class CudaBackend : IBackend, IBandwidthProbe, ITelemetrySource, IGraphCapture, IMemoryReporter, IMemoryPlanner, IWeightGroups, IQueuedReads, IPeerCopy
{
    private static readonly object InitGate = new();
    private static int _initResult = -1;

    private readonly CudaContext _context;
    private readonly CudaStream _stream;
    private readonly CublasLtHandle _blas;
    private readonly CublasLtGemm _gemm;
    private readonly DeviceAllocator _allocator;
    private readonly DeviceBuffer _status;            // (1) int: STATUS_* bits raised by kernels
    private readonly PinnedHostMemory _statusHost;    // (1 + SmallReadBytes / 4) ints: the status read back, then small reads staged
    private readonly Dictionary<string, CudaModule> _modules = [];
    private readonly bool _overlap;   // programmatic dependent launch: the option, on sm_90 and newer
    private readonly long _driverFreeAtStart;
    private bool _capturing;
    private bool _disposed;

    private CudaBackend(CudaDeviceInfo info, CudaBackendOptions options, CudaContext context)
    {
        Info = info;
        Options = options;
        _context = context;
        Memory = new MemoryLedger(info.Device);
        ActivationType = options.ComputeType;
        _overlap = options.OverlapKernels && info.ComputeMajor >= 9;
        context.MakeCurrent();
        _driverFreeAtStart = DeviceAllocator.DriverMemory().Free;
        _allocator = new DeviceAllocator(context, Memory, info.Device);
        _stream = CudaStream.Create(context);
        _blas = CublasLtHandle.Create(context);
        _gemm = new CublasLtGemm(_blas, _allocator.Allocate(options.GemmWorkspaceBytes, MemoryCategory.Activations));
        _status = _allocator.Allocate(sizeof(int), MemoryCategory.Other);
        _statusHost = PinnedHostMemory.Allocate(context, StatusBytes + SmallReadBytes);
        CudaDriver.Check(CudaDriver.cuMemsetD8Async(_status.Pointer, 0, sizeof(int), _stream.Value));
        LoadModules(ActivationFamilies, defines: []);
        ApplyTuning(options.Tuning);
    }

    /// <summary>The GPU this backend runs on.</summary>
    public CudaDeviceInfo Info { get; }

    /// <summary>How it computes.</summary>
    public CudaBackendOptions Options { get; }

    /// <inheritdoc />
    public string Device => Info.Device;

    /// <inheritdoc />
    public DType ActivationType { get; }

    /// <inheritdoc />
    public MemoryLedger Memory { get; }

    /// <summary>Kernel files compiled for the activation type at creation (attention is compiled per head width when a cache is made).</summary>
    private static readonly string[] ActivationFamilies = ["embedding.cu", "rmsnorm.cu", "rope.cu", "elementwise.cu", "gemv.cu", "argmax.cu", "sampling.cu"];

    /// <summary>Opens cuda:<paramref name="ordinal"/>; throws <see cref="CudaUnavailableException"/> when there is no such GPU or no driver.</summary>
    public static CudaBackend Create(int ordinal, CudaBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ComputeType is not (DType.BF16 or DType.F16 or DType.F32))
            throw new InvalidOptionException($"compute type {options.ComputeType} is not supported by the CUDA backend; use bf16, f16 or f32");
        EnsureInitialized();
        CudaDriver.Check(CudaDriver.cuDeviceGetCount(out int count));
        if (ordinal < 0 || ordinal >= count)
            throw new InvalidOptionException($"cuda:{ordinal} does not exist: the driver reports {count} GPU{(count == 1 ? "" : "s")} (cuda:0{(count > 1 ? $" .. cuda:{count - 1}" : "")})");
        var info = DeviceInfo(ordinal);
        if (options.ComputeType == DType.BF16 && info.ComputeMajor < 8)
            throw new InvalidOptionException($"{info.Device} ({info.Name}, compute capability {info.ComputeCapability}) has no bf16 arithmetic; use --dtype f16 or f32");
        NativeLibraries.Load(NvidiaLibrary.Nvrtc);
        NativeLibraries.Load(NvidiaLibrary.CublasLt);
        var context = CudaContext.RetainPrimary(ordinal);
        try
        {
            return new CudaBackend(info, options, context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Opens "cuda" (cuda:0) or "cuda:N".</summary>
    public static CudaBackend Create(string device, CudaBackendOptions options) => Create(ParseDevice(device), options);

    /// <summary>The ordinal of "cuda" (0) or "cuda:N"; throws <see cref="InvalidOptionException"/> for anything else.</summary>
    public static int ParseDevice(string device)
    {
        if (device == "cuda") return 0;
        if (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int n) && n >= 0) return n;
        throw new InvalidOptionException($"device '{device}' is not a CUDA device; write cuda or cuda:N");
    }

    /// <summary>GPUs the driver reports (0 when there is no driver or no GPU; never throws).</summary>
    public static int DeviceCount() => Availability(out int count) is null ? count : 0;

    /// <summary>Null when CUDA can run here (count = GPUs), else the reason it cannot (library missing, no device).</summary>
    public static string? Availability(out int count)
    {
        count = 0;
        try
        {
            EnsureInitialized();
            CudaDriver.Check(CudaDriver.cuDeviceGetCount(out count));
            return count > 0 ? null : "the CUDA driver reports no GPU";
        }
        catch (Exception e) when (e is CudaUnavailableException or CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            return e.Message;
        }
    }

    /// <summary>Driver facts about cuda:<paramref name="ordinal"/>.</summary>
    public static CudaDeviceInfo DeviceInfo(int ordinal)
    {
        EnsureInitialized();
        CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, ordinal));
        var name = new byte[256];
        fixed (byte* p = name) CudaDriver.Check(CudaDriver.cuDeviceGetName(p, name.Length, device));
        var bus = new byte[64];
        fixed (byte* p = bus) CudaDriver.Check(CudaDriver.cuDeviceGetPCIBusId(p, bus.Length, device));
        int Attribute(int a) { CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int v, a, device)); return v; }
        CudaDriver.Check(CudaDriver.cuDeviceTotalMem_v2(out var total, device));
        return new CudaDeviceInfo(ordinal, CString(name), Attribute(CudaDriver.AttributeComputeCapabilityMajor),
            Attribute(CudaDriver.AttributeComputeCapabilityMinor), Attribute(CudaDriver.AttributeMultiprocessorCount),
            (long)total, Attribute(CudaDriver.AttributeL2CacheSize), CString(bus));
    }

    private static string CString(byte[] bytes)
    {
        int n = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, n < 0 ? bytes.Length : n);
    }

    private static void EnsureInitialized()
    {
        lock (InitGate)
        {
            NativeLibraries.Load(NvidiaLibrary.Driver);
            if (_initResult < 0) _initResult = CudaDriver.cuInit(0);
            if (_initResult == CudaDriver.ErrorNoDevice)
                throw new CudaUnavailableException("the CUDA driver is installed but reports no GPU (cuInit: CUDA_ERROR_NO_DEVICE)");
            CudaDriver.Check(_initResult, "cuInit");
        }
    }

    /// <inheritdoc />
    public bool Supports(BackendOp op, TensorFormat weightFormat) =>
        weightFormat.IsFloat() || (op is BackendOp.MatMul or BackendOp.Embedding && HasQuantKernel(weightFormat));

    /// <inheritdoc />
    public DeviceTensor Allocate(DType dtype, int rows, int cols, MemoryCategory category = MemoryCategory.Activations)
    {
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"tensor [{rows}, {cols}]");
        if (dtype != ActivationType && dtype is not (DType.F32 or DType.I32))
            throw new ArgumentException($"the CUDA backend keeps tensors in {ActivationType}, F32 or I32, not {dtype}");
        MakeCurrent();
        long bytes = (long)rows * cols * dtype.SizeOf();
        var buffer = _allocator.Allocate(bytes, category);
        CudaDriver.Check(CudaDriver.cuMemsetD8Async(buffer.Pointer, 0, (nuint)Math.Max(bytes, 1), _stream.Value));
        return new CudaTensor(dtype, rows, cols, buffer);
    }

    /// <inheritdoc />
    public DeviceTensor View(DeviceTensor tensor, int rows) => new CudaTensor(Cuda(tensor), rows);

    /// <inheritdoc />
    public void Write(DeviceTensor destination, ReadOnlySpan<int> values)
    {
        var t = Cuda(destination);
        if (t.DType != DType.I32) throw new ArgumentException($"Write needs an I32 tensor, not {t.DType}");
        if (values.Length > t.Length) throw new ArgumentException($"{values.Length} values do not fit a tensor of {t.Length}");
        if (values.IsEmpty) return;
        Prepare();
        // From pageable memory the driver stages the values before returning, so the span may be reused at once.
        fixed (int* p = values)
            CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(t.Pointer, p, (nuint)(values.Length * sizeof(int)), _stream.Value));
    }

    /// <inheritdoc />
    public void Write(DeviceTensor destination, ReadOnlySpan<float> values)
    {
        var t = Cuda(destination);
        if (t.DType == DType.I32) throw new ArgumentException("an I32 tensor is written from ints");
        if (values.Length > t.Length) throw new ArgumentException($"{values.Length} values do not fit a tensor of {t.Length}");
        if (values.IsEmpty) return;
        Prepare();
        // From pageable memory the driver stages the values before returning, so the buffers may be reused at once.
        if (t.DType == DType.F32)
        {
            fixed (float* p = values)
                CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(t.Pointer, p, (nuint)(values.Length * sizeof(float)), _stream.Value));
            return;
        }
        var raw = new ushort[values.Length];
        if (t.DType == DType.BF16) FloatConversion.SingleToBF16(values, raw);
        else System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(raw.AsSpan()));
        fixed (ushort* p = raw)
            CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(t.Pointer, p, (nuint)(raw.Length * sizeof(ushort)), _stream.Value));
    }

    /// <summary>
    /// GPU to GPU: within one context (two backends on one GPU share its primary context) a device copy, across GPUs a
    /// peer copy (the driver goes through the host where peer access is off). The source's queued ops finish first (the
    /// host waits for its stream: a stage boundary at batch 1 is sequential anyway).
    /// </summary>
    public bool TryCopyFrom(IBackend sourceBackend, DeviceTensor source, DeviceTensor destination)
    {
        if (sourceBackend is not CudaBackend from) return false;
        var (s, d) = (Cuda(source), Cuda(destination));
        if (s.DType != d.DType || s.Length != d.Length) return false;
        NotCapturing("a copy between backends");
        from.Synchronize();
        Prepare();
        nuint bytes = (nuint)s.Bytes;
        if (from._context.Value == _context.Value)
            CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync_v2(d.Pointer, s.Pointer, bytes, _stream.Value));
        else
            CudaDriver.Check(CudaDriver.cuMemcpyPeerAsync(d.Pointer, _context.Value, s.Pointer, from._context.Value, bytes, _stream.Value));
        return true;
    }

    /// <inheritdoc />
    public void Read(DeviceTensor source, Span<float> destination)
    {
        var t = Cuda(source);
        if (destination.Length > t.Length) throw new ArgumentException($"reading {destination.Length} values from a tensor of {t.Length}");
        if (t.DType == DType.I32) throw new ArgumentException("an I32 tensor is read into ints");
        if (t.DType == DType.F32)
        {
            fixed (float* p = destination) CopyToHost(p, t.Pointer, (long)destination.Length * sizeof(float));
            return;
        }
        var raw = new ushort[destination.Length];
        fixed (ushort* p = raw) CopyToHost(p, t.Pointer, (long)raw.Length * sizeof(ushort));
        if (t.DType == DType.BF16) FloatConversion.BF16ToSingle(raw, destination);
        else System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(raw), destination);
    }

    /// <inheritdoc />
    public void Read(DeviceTensor source, Span<int> destination)
    {
        var t = Cuda(source);
        if (t.DType != DType.I32) throw new ArgumentException($"reading ints from a {t.DType} tensor");
        if (destination.Length > t.Length) throw new ArgumentException($"reading {destination.Length} values from a tensor of {t.Length}");
        fixed (int* p = destination) CopyToHost(p, t.Pointer, (long)destination.Length * sizeof(int));
    }

    /// <summary>Bytes of the status word at the start of the pinned read-back buffer (16: staged reads stay aligned).</summary>
    private const int StatusBytes = 16;

    /// <summary>
    /// Reads up to this size (sampled token ids, a few logits) go through pinned memory with the status word, so the
    /// generation loop waits once per token; a copy into pageable memory would wait on the stream by itself first.
    /// </summary>
    private const int SmallReadBytes = 64 * 1024;

    private void CopyToHost(void* destination, ulong source, long bytes)
    {
        NotCapturing("Read");
        Prepare();
        if (bytes > 0 && bytes <= SmallReadBytes)
        {
            byte* staged = (byte*)_statusHost.Pointer + StatusBytes;
            CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2(staged, source, (nuint)bytes, _stream.Value));
            WaitAndCheckStatus(destination, bytes);
            return;
        }
        if (bytes > 0) CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2(destination, source, (nuint)bytes, _stream.Value));
        WaitAndCheckStatus();
    }

    /// <inheritdoc />
    public void Synchronize()
    {
        NotCapturing("Synchronize");
        Prepare();
        WaitAndCheckStatus();
    }

    /// <summary>
    /// Waits for the stream, moves <paramref name="stagedBytes"/> of a staged small read to <paramref name="stagedDestination"/>,
    /// then throws if a kernel raised a status bit since the last check (and clears it).
    /// </summary>
    private void WaitAndCheckStatus(void* stagedDestination = null, long stagedBytes = 0)
    {
        CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2(_statusHost.Pointer, _status.Pointer, sizeof(int), _stream.Value));
        CudaDriver.Check(CudaDriver.cuStreamSynchronize(_stream.Value));
        if (stagedBytes > 0) Buffer.MemoryCopy((byte*)_statusHost.Pointer + StatusBytes, stagedDestination, stagedBytes, stagedBytes);
        int status = *(int*)_statusHost.Pointer;
        if (status == 0) return;
        CudaDriver.Check(CudaDriver.cuMemsetD8Async(_status.Pointer, 0, sizeof(int), _stream.Value));
        CudaDriver.Check(CudaDriver.cuStreamSynchronize(_stream.Value));
        ThrowStatus(status);
    }

    /// <summary>The error a raised status word stands for (the word on the device is already cleared).</summary>
    private void ThrowStatus(int status)
    {
        var problems = new List<string>();
        if ((status & StatusBadToken) != 0) problems.Add("a token id outside the model's vocabulary was embedded");
        if ((status & StatusBadPosition) != 0) problems.Add("a position beyond the allocated context (KV cache or rotary table) was used");
        throw new InvalidOptionException($"{Device}: {string.Join("; ", problems)}; the results of that step are not valid");
    }

    // Bits of the status word, as in Kernels/common.cuh.
    private const int StatusBadToken = 1;
    private const int StatusBadPosition = 2;

    private void NotCapturing(string what)
    {
        if (_capturing) throw new InvalidOperationException($"{what} cannot run while a CUDA graph is being captured on {Device}");
    }

    /// <summary>Makes this backend's context current on the calling thread.</summary>
    internal void MakeCurrent() => _context.MakeCurrent();

    /// <summary>Makes the context current and queues what is held back (an argmax for a queued read), so the next op sees its result.</summary>
    internal void Prepare()
    {
        _context.MakeCurrent();
        FlushPending();
    }

    internal CudaStream Stream => _stream;
    internal CudaContext Context => _context;

    private void LoadModules(IEnumerable<string> files, IReadOnlyList<string> defines)
    {
        var all = defines.Append($"ACT_TYPE={KernelType(ActivationType)}").ToArray();
        var todo = files.Select(f => (File: f, Key: ModuleKey(f, defines))).Where(x => !_modules.ContainsKey(x.Key)).ToArray();
        var images = new byte[todo.Length][];
        // NVRTC is thread-safe across programs: compile the files in parallel, load them on this thread.
        Parallel.For(0, todo.Length, i => images[i] = KernelCompiler.Compile(todo[i].File, Info.ComputeMajor, Info.ComputeMinor, all));
        MakeCurrent();
        for (int i = 0; i < todo.Length; i++) _modules[todo[i].Key] = CudaModule.Load(_context, images[i], todo[i].File);
    }

    private static string ModuleKey(string file, IReadOnlyList<string> defines) => defines.Count == 0 ? file : file + "|" + string.Join("|", defines);

    private static string KernelType(DType t) => t switch { DType.BF16 => "bf16", DType.F16 => "f16", _ => "float" };

    /// <summary>The kernel <paramref name="name"/> of <paramref name="file"/> (compiled with <paramref name="defines"/>).</summary>
    internal nint Kernel(string file, string name, params string[] defines) => _modules[ModuleKey(file, defines)].Function(name);

    /// <summary>
    /// Queues <paramref name="function"/> on the stream. With <see cref="CudaBackendOptions.OverlapKernels"/> on sm_90+
    /// it is launched with programmatic stream serialisation: it may start while the previous kernel drains and
    /// waits (griddepcontrol.wait) before touching that kernel's results.
    /// </summary>
    internal void Launch(nint function, (int X, int Y, int Z) grid, int block, int sharedBytes, params ReadOnlySpan<KernelArg> args) =>
        LaunchClusters(function, grid, block, sharedBytes, 1, args);

    /// <summary>
    /// <see cref="Launch"/> in thread-block clusters of <paramref name="cluster"/> blocks along x (sm_90+; grid.X a multiple
    /// of it); clusters of more than 8 blocks (not portable) are allowed on the function first.
    /// </summary>
    internal void LaunchClusters(nint function, (int X, int Y, int Z) grid, int block, int sharedBytes, int cluster, ReadOnlySpan<KernelArg> args)
    {
        if (grid.X <= 0 || grid.Y <= 0 || grid.Z <= 0) return;
        void** pointers = stackalloc void*[args.Length];
        fixed (KernelArg* a = args)
        {
            for (int i = 0; i < args.Length; i++) pointers[i] = a + i;
            if (_overlap || cluster > 1)
            {
                var attributes = stackalloc CudaDriver.LaunchAttribute[2];
                uint count = 0;
                if (_overlap) attributes[count++] = new CudaDriver.LaunchAttribute { Id = CudaDriver.LaunchAttributeProgrammaticStreamSerialization, Value = 1 };
                if (cluster > 1)
                {
                    if (cluster > 8 && _nonPortableClusters.Add(function))
                        CudaDriver.Check(CudaDriver.cuFuncSetAttribute(function, CudaDriver.FuncAttributeNonPortableClusterSizeAllowed, 1));
                    attributes[count++] = new CudaDriver.LaunchAttribute { Id = CudaDriver.LaunchAttributeClusterDimension, Value = cluster, Value2 = 1, Value3 = 1 };
                }
                var config = new CudaDriver.LaunchConfig
                {
                    GridX = (uint)grid.X, GridY = (uint)grid.Y, GridZ = (uint)grid.Z,
                    BlockX = (uint)block, BlockY = 1, BlockZ = 1, SharedBytes = (uint)sharedBytes,
                    Stream = _stream.Value, Attributes = attributes, AttributeCount = count,
                };
                CudaDriver.Check(CudaDriver.cuLaunchKernelEx(&config, function, pointers, null));
            }
            else
            {
                CudaDriver.Check(CudaDriver.cuLaunchKernel(function, (uint)grid.X, (uint)grid.Y, (uint)grid.Z, (uint)block, 1, 1,
                    (uint)sharedBytes, _stream.Value, pointers, null));
            }
        }
    }

    private readonly HashSet<nint> _nonPortableClusters = [];

    internal static CudaTensor Cuda(DeviceTensor t) => t as CudaTensor ?? throw new ArgumentException("tensor belongs to another backend");
    internal static CudaWeight Cuda(DeviceWeight w) => w as CudaWeight ?? throw new ArgumentException($"weight {w.Name} belongs to another backend");

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Prepare();
            CudaDriver.cuStreamSynchronize(_stream.Value);
        }
        catch (CudaException)
        {
            // A failed device (e.g. after an illegal address) still releases its handles below.
        }
        _telemetry?.Dispose();
        DisposeQueuedReads();
        _upload?.Dispose();
        _prefill.Dispose();
        _dequantWorkspace?.Dispose();
        foreach (var b in _retiredDequantWorkspaces) b.Dispose();
        _argmaxScratch?.Dispose();
        _uniforms?.Dispose();
        _gemm.Dispose();
        foreach (var m in _modules.Values) m.Dispose();
        _modules.Clear();
        _status.Dispose();
        _statusHost.Dispose();
        _blas.Dispose();
        _stream.Dispose();
        _context.Dispose();
    }
}
