using LlmLab.Backends;
using LlmLab.Cuda.Interop;
using LlmLab.Tensors;

namespace LlmLab.Cuda;

// ggml block-format weights (Q8_0 … MXFP4) and FP8 rows computed with directly from their bytes (Kernels/gemv_quant.cu): decode
// products stream the blocks (qgemv*), prefill products dequantize one weight (or a slice of its rows) into a
// compute-type workspace and run cuBLASLt on it, the embedding gather dequantizes the rows it looks up. No
// dequantized copy of the model is kept. Decode products in BF16/F16 compute round x to Q8_0 blocks of 32 and multiply
// integers (dp4a), as llama.cpp's MMVQ does, for the formats of Q8ActivationFormats; F32 compute and prefill do not
// round x (the CPU backend rounds it to Q8_0 or Q8_K blocks as ggml's CPU code does).
public sealed unsafe partial class CudaBackend
{
    /// <summary>Block formats with kernels, and their QFORMAT ids in gemv_quant.cu (QF_*).</summary>
    private static readonly Dictionary<TensorFormat, int> QuantFormatIds = new()
    {
        [TensorFormat.Q8_0] = 1, [TensorFormat.Q4_0] = 2, [TensorFormat.Q4_1] = 3, [TensorFormat.Q5_0] = 4, [TensorFormat.Q5_1] = 5,
        [TensorFormat.Q2_K] = 6, [TensorFormat.Q3_K] = 7, [TensorFormat.Q4_K] = 8, [TensorFormat.Q5_K] = 9, [TensorFormat.Q6_K] = 10,
        [TensorFormat.IQ4_NL] = 11, [TensorFormat.IQ4_XS] = 12, [TensorFormat.MXFP4] = 13, [TensorFormat.FP8] = 14,
    };

    /// <summary>The block formats the CUDA backend computes with, in declaration order.</summary>
    internal static IReadOnlyList<TensorFormat> QuantizedFormats { get; } = TensorFormats.All.Where(QuantFormatIds.ContainsKey).ToArray();

    /// <summary>Bytes from the end of an FP8 row's codes to the next row (its fp32 scale and 12 bytes to a 16-byte stride: gemv.cu's row_offset).</summary>
    private const int Fp8RowPadding = 16;

    /// <summary>Elements each thread of gemv_quant.cu dequantizes at once (QPART): block rows must be whole multiples of it.</summary>
    private const int QuantPart = 32;

    /// <summary>Bytes after a block weight's last row that gemv_quant.cu's unaligned word loads may touch (QSLACK).</summary>
    private const int QuantSlackBytes = CudaMemoryRule.QuantSlackBytes;

    /// <summary>Warps per block of the quantized GEMV (QG_WARPS); one row per warp unless split.</summary>
    private const int QuantGemvWarps = 8;

    /// <summary>
    /// Largest dequantized slice of a weight a prefill product multiplies at once (bytes of the compute-type workspace):
    /// an 8B model's largest layer matrix (14336 × 4096 BF16, 112 MiB) fits whole; a 128k-token output head runs in slices.
    /// </summary>
    private const long DequantWorkspaceCapBytes = CudaMemoryRule.DequantWorkspaceCapBytes;

    /// <summary>Rows of a slice are a multiple of this, so each slice's output columns stay aligned for cuBLASLt.</summary>
    private const int DequantSliceRowMultiple = CudaMemoryRule.DequantSliceRowMultiple;

    /// <summary>Threads per block of dequant_rows, and the most blocks of its grid-stride loop.</summary>
    private const int DequantThreads = 256;

    private DeviceBuffer? _dequantWorkspace;   // (rows, cols) act_t: the dequantized slice of a prefill product's weight
    private long _dequantWorkspaceNeeded;      // bytes the largest block weight loaded needs (capped at DequantWorkspaceCapBytes)

    private static bool HasQuantKernel(TensorFormat f) => QuantFormatIds.ContainsKey(f);

    private static string QuantFormatDefine(TensorFormat f) => $"QFORMAT={QuantFormatIds[f]}";

    private static string SupportedFormatList => "F32, F16, BF16, " + string.Join(", ", QuantizedFormats);

    /// <summary>Device bytes between rows of a block matrix of <paramref name="cols"/> elements (16-byte aligned for the kernels' loads).</summary>
    private static long QuantRowStride(TensorFormat f, int cols) => CudaMemoryRule.QuantRowStride(f, cols);

    /// <summary>The (rows, cols) of a block-format matrix, refusing what the kernels cannot read with a message naming the tensor.</summary>
    private static (int Rows, int Cols) QuantShape(TensorView tensor)
    {
        if (tensor.Shape.Length != 2)
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' is {tensor.Format} with shape {tensor.ShapeText}; the CUDA backend reads block formats as matrices only");
        int rows = checked((int)tensor.Shape[0]), cols = checked((int)tensor.Shape[1]);
        if (tensor.Format == TensorFormat.FP8 && cols % QuantPart != 0)
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' is FP8 with rows of {cols} elements; the CUDA kernels read FP8 rows of whole {QuantPart}-element parts: load this model from BF16 with --quant fp8 (such rows stay BF16) or use --device cpu");
        if (!tensor.Format.DividesRow(cols) || cols % QuantPart != 0)
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' is {tensor.Format} with rows of {cols} elements, not a whole number of {tensor.Format.BlockLength()}-element blocks; the file is damaged or mislabelled");
        long expected = tensor.Format.ByteCount(tensor.Shape);
        if (tensor.ByteLength != expected)
            throw new InvalidCheckpointException($"tensor '{tensor.Name}' holds {tensor.ByteLength} bytes; {tensor.ShapeText} in {tensor.Format} is {expected} bytes");
        return (rows, cols);
    }

    /// <summary>Compiles gemv_quant.cu for <paramref name="format"/> (once) and grows the prefill workspace's planned size.</summary>
    private void PrepareQuantized(TensorFormat format, int rows, int cols)
    {
        if (format == TensorFormat.FP8)
        {
            if (QuantRowStride(format, cols) != cols + Fp8RowPadding)
                throw new InvalidOperationException($"FP8 rows of {cols} codes: gemv.cu reads them at a stride of {cols + Fp8RowPadding} bytes");
            PrepareFp8Gemv();
        }
        _quantPrepared.Add((format, cols));
        PrepareQuantModules(format, cols);
        _dequantWorkspaceNeeded = Math.Max(_dequantWorkspaceNeeded, CudaMemoryRule.DequantWorkspaceBytes(rows, cols, ActivationType));
    }

    /// <summary>Compiles the gemv_quant.cu variants products of rows of <paramref name="cols"/> may use with the current <see cref="CudaTuning.QuantGemvStages"/>.</summary>
    private void PrepareQuantModules(TensorFormat format, int cols)
    {
        bool q8 = Q8Activations(format);
        // Stages 1 too when a ring is asked for: a ring that does not fit the GPU's shared memory falls back to it.
        foreach (int stages in new[] { _quantStages, 1 }.Distinct())
            foreach (int split in new[] { 1, 2 })
            {
                LoadModules(["gemv_quant.cu"], QuantDefines(format, split, q8, stages));
                // Decode rows whose 8-bit x would not fit the shared memory the q8 kernels take run the float path.
                if (q8 && !Q8ActivationsFit(CudaTuning.MaxGemvRows, cols)) LoadModules(["gemv_quant.cu"], QuantDefines(format, split, q8: false, stages));
            }
    }

    private readonly HashSet<(TensorFormat Format, int Cols)> _quantPrepared = [];

    /// <summary>The tuning's <see cref="CudaTuning.QuantGemvStages"/> (kept apart so a tuning change can compile what it needs).</summary>
    private int _quantStages = 1;

    /// <summary>Takes on the tuning's quantized-GEMV stages: compiles their kernels for every block weight loaded so far.</summary>
    private void ApplyQuantTuning(CudaTuning tuning)
    {
        if (tuning.QuantGemvStages == _quantStages) return;
        _quantStages = tuning.QuantGemvStages;
        foreach (var (format, cols) in _quantPrepared) PrepareQuantModules(format, cols);
    }

    private static string[] QuantDefines(TensorFormat format, int split, bool q8, int stages)
    {
        var defines = new List<string> { QuantFormatDefine(format), $"QG_WARPS={QuantGemvWarps}", $"QG_SPLIT={split}" };
        if (q8) defines.Add("QG_Q8X");
        if (stages > 1) defines.Add($"QG_STAGES={stages}");
        return [.. defines];
    }

    /// <summary>Bytes of one warp tile of <paramref name="format"/> in shared memory (QTILE_BYTES + QSLACK of gemv_quant.cu).</summary>
    private static int QuantTileBytes(TensorFormat format) => QuantTileBlocks(format) * KernelBlock(format).Bytes + QuantSlackBytes;

    /// <summary>
    /// QK and QBYTES of gemv_quant.cu: the format's blocks, and for FP8 (one scale per row, after the row) 32 codes of
    /// a byte each, so tiles never hold the scale.
    /// </summary>
    private static (int Length, int Bytes) KernelBlock(TensorFormat f) =>
        f == TensorFormat.FP8 ? (QuantPart, QuantPart) : (f.BlockLength(), f.BytesPerBlock());

    private int? _sharedOptin;

    /// <summary>Shared memory a block may opt in to on this GPU (227 KiB on sm_90, 163 KiB on sm_80, 99 KiB on sm_86/89).</summary>
    private int SharedOptinBytes
    {
        get
        {
            if (_sharedOptin is { } known) return known;
            CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, Info.Ordinal));
            CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int bytes, CudaDriver.AttributeMaxSharedMemoryPerBlockOptin, device));
            _sharedOptin = bytes;
            return bytes;
        }
    }

    /// <summary>
    /// Formats whose decode GEMV multiplies 8-bit activations with dp4a in BF16/F16 compute (gemv_quant.cu's QG_Q8X, as
    /// llama.cpp's MMVQ): x is rounded to Q8_0 blocks of 32 first. F32 compute keeps the float path (the exact
    /// product of the dequantized weights and x), as do the other formats.
    /// </summary>
    private static readonly HashSet<TensorFormat> Q8ActivationFormats =
    [
        TensorFormat.Q8_0, TensorFormat.Q4_0, TensorFormat.Q4_1, TensorFormat.Q5_0, TensorFormat.Q5_1,
        TensorFormat.Q4_K, TensorFormat.Q5_K, TensorFormat.Q6_K,
    ];

    /// <summary>Whether decode products with <paramref name="format"/> weights round x to 8 bits (see <see cref="Q8ActivationFormats"/>).</summary>
    internal bool Q8Activations(TensorFormat format) => ActivationType != DType.F32 && Q8ActivationFormats.Contains(format);

    /// <summary>
    /// Dynamic shared memory the 8-bit x of a decode GEMV may take: with the static tiles (≤ 27 KiB for Q6_K gate/up)
    /// it stays within the 99 KiB every sm_80+ GPU can give a block. x [n, k] takes n·k·5/4 bytes (int8 values, an
    /// fp32 scale and sum per 32), so n = 4 rows fit k ≤ 13107 and one row k ≤ 52428.
    /// </summary>
    private const int Q8ActivationSharedBytesMax = 64 * 1024;

    private static int Q8ActivationBytes(int n, int k) => checked(n * k / 4 * 5);

    private static bool Q8ActivationsFit(int n, int k) => Q8ActivationBytes(n, k) <= Q8ActivationSharedBytesMax;

    /// <summary>
    /// Module defines and dynamic shared bytes of a decode GEMV of <paramref name="n"/> rows of length <paramref name="k"/>
    /// reading <paramref name="weightRows"/> weight rows per output (1, or 2 for gate/up).
    /// </summary>
    private (string[] Defines, int SharedBytes) QuantGemvVariant(TensorFormat format, int split, int n, int k, int weightRows)
    {
        bool q8 = Q8Activations(format) && Q8ActivationsFit(n, k);
        int xBytes = q8 ? Q8ActivationBytes(n, k) : 0;
        int stages = Info.ComputeMajor >= 8 ? _quantStages : 1;   // cp.async is sm_80+
        long ringBytes = stages > 1 ? (long)QuantGemvWarps * stages * weightRows * QuantTileBytes(format) : 0;
        if (stages > 1 && ringBytes + xBytes > SharedOptinBytes) (stages, ringBytes) = (1, 0);
        return (QuantDefines(format, split, q8, stages), checked((int)(ringBytes + xBytes)));
    }

    private readonly Dictionary<nint, int> _dynamicSharedSet = [];

    /// <summary>Allows <paramref name="function"/> <paramref name="bytes"/> of dynamic shared memory (needed above 48 KiB), once per size.</summary>
    private void AllowDynamicShared(nint function, int bytes)
    {
        if (bytes <= 0 || (_dynamicSharedSet.TryGetValue(function, out int set) && set >= bytes)) return;
        CudaDriver.Check(CudaDriver.cuFuncSetAttribute(function, CudaDriver.FuncAttributeMaxDynamicSharedBytes, bytes));
        _dynamicSharedSet[function] = bytes;
    }

    /// <summary>Uploads a block-format matrix as its raw rows (16-byte row stride) in one owned buffer.</summary>
    private CudaWeight LoadQuantizedWeight(TensorView tensor)
    {
        var (rows, cols) = QuantShape(tensor);
        long stride = QuantRowStride(tensor.Format, cols);
        MakeCurrent();
        PrepareQuantized(tensor.Format, rows, cols);
        var buffer = _allocator.Allocate(checked(rows * stride + QuantSlackBytes), MemoryCategory.Weights);
        try
        {
            _upload ??= new HostToDeviceCopier(this);
            _upload.CopyRows(tensor.Data, rows, tensor.Format.RowBytes(cols), stride, buffer.Pointer);
            return new CudaWeight(tensor.Name, tensor.Format, rows, cols, stride, buffer.Pointer, buffer, shared: null);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Block matrices of one format and row length placed back to back in one allocation (decode fuses their products).</summary>
    private IReadOnlyList<DeviceWeight> LoadQuantizedGroup(IReadOnlyList<TensorView> tensors)
    {
        var format = tensors[0].Format;
        var shapes = tensors.Select(QuantShape).ToArray();
        int cols = shapes[0].Cols;
        long stride = QuantRowStride(format, cols);
        long total = checked(shapes.Sum(s => (long)s.Rows) * stride + QuantSlackBytes);
        MakeCurrent();
        foreach (var (rows, c) in shapes) PrepareQuantized(format, rows, c);
        var buffer = _allocator.Allocate(total, MemoryCategory.Weights);
        var shared = new SharedDeviceBuffer(buffer, tensors.Count);
        var loaded = new List<DeviceWeight>(tensors.Count);
        try
        {
            _upload ??= new HostToDeviceCopier(this);
            ulong at = buffer.Pointer;
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                _upload.CopyRows(t.Data, shapes[i].Rows, format.RowBytes(cols), stride, at);
                loaded.Add(new CudaWeight(t.Name, format, shapes[i].Rows, cols, stride, at, buffer: null, shared));
                at += (ulong)(shapes[i].Rows * stride);
            }
            return loaded;
        }
        catch
        {
            foreach (var w in loaded) w.Dispose();
            for (int i = loaded.Count; i < tensors.Count; i++) shared.Release();
            throw;
        }
    }

    /// <summary>Whether a quantized GEMV of <paramref name="rows"/> rows of length <paramref name="k"/> splits rows over 2 warps.</summary>
    private int QuantSplit(TensorFormat format, int rows, int k)
    {
        // A row is split when it spans several tiles and the rows alone leave the GPU's warps short (fewer than
        // 2 blocks of 8 rows per multiprocessor): the 1B's down projection (2048 rows of 8192).
        const int MinTilesPerWarp = 2, BlocksPerSm = 2;
        int tileElements = QuantTileBlocks(format) * KernelBlock(format).Length;
        int tiles = (k + tileElements - 1) / tileElements;
        return tiles >= 2 * MinTilesPerWarp && (long)rows < (long)BlocksPerSm * Info.Multiprocessors * QuantGemvWarps ? 2 : 1;
    }

    /// <summary>QTILE of gemv_quant.cu: blocks a warp loads per tile.</summary>
    private static int QuantTileBlocks(TensorFormat f) => f switch
    {
        TensorFormat.MXFP4 => 128,
        _ when KernelBlock(f).Length == TensorFormats.SmallBlock => 64,
        _ => 8,
    };

    /// <summary>One quantized GEMV launch for <paramref name="products"/> (sharing x, one format and row length).</summary>
    private void LaunchQuantGemv(Product[] products)
    {
        var x = products[0].X;
        var w = products[0].W;
        bool f32Out = products[0].Y.DType == DType.F32;
        int rows = products.Sum(p => p.W.Rows);
        int split = QuantSplit(w.Format, rows, x.Cols);
        int rowsPerBlock = QuantGemvWarps / split;
        var args = new KernelArg[3 + 4 * MaxFusedProducts];
        args[0] = x.Pointer;
        args[1] = x.Cols;
        args[2] = (ulong)w.RowStride;
        PutProducts(args, 3, products);
        var (defines, shared) = QuantGemvVariant(w.Format, split, x.Rows, x.Cols, weightRows: 1);
        var kernel = Kernel("gemv_quant.cu", $"qgemv{x.Rows}_{(f32Out ? "f32" : "act")}", defines);
        AllowDynamicShared(kernel, shared);
        Launch(kernel, ((rows + rowsPerBlock - 1) / rowsPerBlock, 1, 1), QuantGemvWarps * 32, shared, args);
    }

    /// <summary>Gate and up (one block format) with SwiGLU in one quantized GEMV launch.</summary>
    private void LaunchQuantGateUp(Product gate, Product up)
    {
        var x = gate.X;
        int split = QuantSplit(gate.W.Format, gate.W.Rows, x.Cols);
        int rowsPerBlock = QuantGemvWarps / split;
        var (defines, shared) = QuantGemvVariant(gate.W.Format, split, x.Rows, x.Cols, weightRows: 2);
        var kernel = Kernel("gemv_quant.cu", $"qgemv_gate_up{x.Rows}", defines);
        AllowDynamicShared(kernel, shared);
        Launch(kernel, ((gate.W.Rows + rowsPerBlock - 1) / rowsPerBlock, 1, 1), QuantGemvWarps * 32, shared,
            x.Pointer, x.Cols, (ulong)gate.W.RowStride, gate.W.Pointer, gate.Bias?.Pointer ?? 0UL, gate.Y.Pointer,
            up.W.Pointer, up.Bias?.Pointer ?? 0UL, up.Y.Pointer, gate.W.Rows);
    }

    /// <summary>
    /// A prefill product with a block-format weight: its rows are dequantized into the workspace a slice at a time
    /// (the whole weight when it fits <see cref="DequantWorkspaceCapBytes"/>), each slice multiplied by cuBLASLt into its
    /// columns of y.
    /// </summary>
    private void RunQuantGemm(Product p)
    {
        if (p.W.Format == TensorFormat.FP8 && TryFp8TensorCores(p)) return;
        var (x, w) = (p.X, p.W);
        int act = ActivationType.SizeOf(), outBytes = p.Y.DType.SizeOf();
        var workspace = DequantWorkspace(w);
        int sliceRows = (int)Math.Min(w.Rows, Math.Min(workspace.Bytes, Tuning.DequantSliceBytes) / ((long)w.Cols * act));
        if (sliceRows < w.Rows) sliceRows = Math.Max(DequantSliceRowMultiple, sliceRows / DequantSliceRowMultiple * DequantSliceRowMultiple);
        for (int first = 0; first < w.Rows; first += sliceRows)
        {
            int rows = Math.Min(sliceRows, w.Rows - first);
            LaunchDequantRows(w, ids: 0, first, rows, vocab: w.Rows, workspace.Pointer, statsPointer: 0, statsCount: 0);
            ulong y = p.Y.Pointer + (ulong)((long)first * outBytes);
            var shape = new GemmShape(TransposeB: true, M: x.Rows, N: rows, K: x.Cols, InputType: BlasType(ActivationType), OutputType: BlasType(p.Y.DType),
                Lda: x.Cols, StrideA: 0, Ldb: x.Cols, StrideB: 0, Ldc: w.Rows, StrideC: 0, Batch: 1,
                AlignA: CublasLtGemm.Alignment(x.Pointer, act, x.Cols), AlignB: CublasLtGemm.Alignment(workspace.Pointer, act, x.Cols),
                AlignC: CublasLtGemm.Alignment(y, outBytes, w.Rows));
            _gemm.Run(shape, x.Pointer, workspace.Pointer, y, _stream);
        }
    }

    /// <summary>
    /// The dequantization workspace, allocated on first use at the size the largest block weight loaded needs (so once per
    /// model; relaxed capture allows that first allocation inside a graph, as for the other scratch buffers). It grows only
    /// if a larger weight was loaded since; the old buffer is kept until the backend is disposed, as graphs captured with
    /// it may still run.
    /// </summary>
    private DeviceBuffer DequantWorkspace(CudaWeight w)
    {
        long needed = Math.Max(_dequantWorkspaceNeeded, Math.Min((long)w.Rows * w.Cols, (long)DequantSliceRowMultiple * w.Cols) * ActivationType.SizeOf());
        if (_dequantWorkspace is not null && _dequantWorkspace.Bytes >= needed) return _dequantWorkspace;
        if (_dequantWorkspace is not null)
        {
            NotCapturing("growing the dequantization workspace");
            _retiredDequantWorkspaces.Add(_dequantWorkspace);
        }
        _dequantWorkspace = _allocator.Allocate(needed, MemoryCategory.Activations);
        return _dequantWorkspace;
    }

    private readonly List<DeviceBuffer> _retiredDequantWorkspaces = [];

    /// <summary>Prefill products run on the FP8 tensor cores so far (tests read it to know which rounding of x to expect).</summary>
    internal int Fp8TensorCoreProducts { get; private set; }

    /// <summary>Whether the last FP8 tensor-core product applied its scales inside cuBLASLt (else fp8_rescale did).</summary>
    internal bool Fp8ScalesInProduct { get; private set; }

    /// <summary>Why cuBLASLt last refused a product shape (the FP8 outer-vector scaling, for the lab's report).</summary>
    internal string? GemmRefusal => _gemm.LastRefusal;

    /// <summary>Alignment of the FP8 operands in the workspace (cuBLASLt's largest).</summary>
    private const int Fp8OperandAlignment = 256;

    /// <summary>
    /// An FP8-weight prefill product on the FP8 tensor cores (<see cref="CudaTuning.Fp8TensorCorePrefill"/>): x rounded per
    /// token to E4M3 and the weight rows' scales gathered into the dequantization workspace by fp8_prefill_operands, then
    /// one cuBLASLt E4M3 product scaled per row of x and per row of W, reading W's codes in place (rows at their stride).
    /// False (nothing queued) where it does not apply: the setting off, before sm_89, an F32 compute type or output, rows
    /// not whole 16-byte steps, operands larger than the workspace, or no cuBLASLt kernel for the shape.
    /// </summary>
    private bool TryFp8TensorCores(Product p)
    {
        var (x, w) = (p.X, p.W);
        int n = x.Rows, k = x.Cols, m = w.Rows;
        if (!Tuning.Fp8TensorCorePrefill || Info.ComputeMajor * 10 + Info.ComputeMinor < 89 || ActivationType == DType.F32 ||
            p.Y.DType != ActivationType || k % 16 != 0 || w.RowStride % 16 != 0)
            return false;
        long scalesX = Align((long)n * k), scalesW = Align(scalesX + 4L * n), bytes = scalesW + 4L * m;
        var workspace = DequantWorkspace(w);
        if (bytes > workspace.Bytes) return false;
        int outBytes = ActivationType.SizeOf();
        ulong xq = workspace.Pointer;
        var shape = new GemmShape(TransposeB: true, M: n, N: m, K: k, InputType: CublasLt.R8FE4M3, OutputType: BlasType(ActivationType),
            Lda: k, StrideA: 0, Ldb: w.RowStride, StrideB: 0, Ldc: m, StrideC: 0, Batch: 1,
            AlignA: CublasLtGemm.Alignment(xq, 1, k), AlignB: CublasLtGemm.Alignment(w.Pointer, 1, w.RowStride),
            AlignC: CublasLtGemm.Alignment(p.Y.Pointer, outBytes, m), RowScaled: true);
        // Per-row scales in the product where cuBLASLt offers them (outer-vector scaling); else the unscaled E4M3 product
        // into y, then fp8_rescale multiplies each element by its two scales (one extra pass over y).
        bool scaledInProduct = _gemm.Offers(shape);
        if (!scaledInProduct && !_gemm.Offers(shape = shape with { RowScaled = false })) return false;
        const int threads = 256;
        string[] defines = QuantDefines(w.Format, split: 1, q8: false, _quantStages);
        ulong xs = workspace.Pointer + (ulong)scalesX, ws = workspace.Pointer + (ulong)scalesW;
        Launch(Kernel("gemv_quant.cu", "fp8_prefill_operands", defines), (n + (m + threads - 1) / threads, 1, 1), threads, 0,
            x.Pointer, n, k, xq, xs, w.Pointer, (ulong)w.RowStride, m, ws);
        _gemm.Run(shape, xq, w.Pointer, p.Y.Pointer, _stream, scalesA: xs, scalesB: ws);
        if (!scaledInProduct)
            Launch(Kernel("gemv_quant.cu", "fp8_rescale", defines), (GridStride((long)n * m), 1, 1), ElementwiseThreads, 0, p.Y.Pointer, n, m, xs, ws);
        Fp8TensorCoreProducts++;
        Fp8ScalesInProduct = scaledInProduct;
        return true;

        static long Align(long bytes) => (bytes + Fp8OperandAlignment - 1) / Fp8OperandAlignment * Fp8OperandAlignment;
    }


    /// <summary>Queues dequant_rows: W's rows named by <paramref name="ids"/> (an I32 device pointer), or rows [first, first + rows) when 0, into <paramref name="output"/>.</summary>
    private void LaunchDequantRows(CudaWeight w, ulong ids, int first, int rows, int vocab, ulong output, ulong statsPointer, int statsCount)
    {
        long parts = (long)rows * (w.Cols / QuantPart);
        int blocks = (int)Math.Clamp((parts + DequantThreads - 1) / DequantThreads, 1, MaxGridStrideBlocks);
        Launch(Kernel("gemv_quant.cu", "dequant_rows", QuantDefines(w.Format, split: 1, Q8Activations(w.Format), _quantStages)), (blocks, 1, 1), DequantThreads, 0,
            w.Pointer, (ulong)w.RowStride, ids, first, rows, w.Cols, vocab, output, _status.Pointer, statsPointer, statsCount);
    }
}
