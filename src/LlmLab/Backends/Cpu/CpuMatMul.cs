using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// y[n, m] = x[n, k] · W[m, k]ᵀ with W stored as F32, F16, BF16 or FP8 (rows widened to fp32 with their scale; FP8
/// decode on AVX-512 VBMI through <see cref="CpuFp8MatVec"/>'s lookups) and all math in fp32; block formats go to
/// <see cref="CpuQuantMatMul"/>. Work is split over blocks of W rows across all cores.
/// Decode (n ≤ <see cref="StreamingMaxRows"/>) streams each W row once through a fused widen-and-dot: BF16 and F16 eight
/// rows side by side (<see cref="DotPaired{TLanes}"/>: no cross-lane widening, eight sequential
/// streams per task), F32 with <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>. Prefill widens the task's W rows to fp32
/// once (per-thread scratch) and multiplies them with x in 4 × 4 register blocks (<see cref="TileRows"/> W rows
/// × <see cref="TileCols"/> x rows): per k step 8 vector loads feed 16 FMAs, W is read from memory once per
/// task instead of once per x row, and x is swept in L2-sized chunks.
/// F16 weights multiply activations rounded to fp16, as llama.cpp does (F16's vec_dot_type is F16): the products
/// are then exact in fp32 and the result equals llama.cpp's up to summation order, which keeps a quantized model's
/// F16 fallback tensors (rows that divide no block) from perturbing the next layer's activation quantization.
/// The cost is ~5e-8 in NMSE per product. F32 and BF16 weights keep fp32 activations (llama.cpp rounds BF16's to
/// bf16, an NMSE of ~2.5e-6 per product that the PyTorch fp32 references would see).
/// Summation order: each dot product is split over vector lanes and reduced at the end, so results differ
/// from a sequential sum by fp32 rounding only (the PyTorch references hold at NMSE ≤ 1e-9).
/// </summary>
internal static unsafe class CpuMatMul
{
    /// <summary>W rows per parallel task: enough work per task (≥ 32 rows × k) to amortise handing it out.</summary>
    private const int RowsPerTask = 32;

    /// <summary>W rows widened together in the prefill path (the register block's height).</summary>
    private const int TileRows = 4;

    /// <summary>x rows multiplied together in the prefill path (the register block's width).</summary>
    private const int TileCols = 4;

    /// <summary>Bytes of widened W rows per prefill task (32 rows at k = 2048, 8 at k = 8192): with an x chunk it fits a 1 MB L2.</summary>
    private const int PanelBytes = 256 * 1024;

    /// <summary>Bytes of x rows swept per pass over a task's widened W rows.</summary>
    private const int XChunkBytes = 256 * 1024;

    /// <summary>Below this many x rows the fused streaming path wins (each W row is read from memory once per x row anyway).</summary>
    private const int StreamingMaxRows = 2;

    [ThreadStatic] private static float[]? _roundedX;
    [ThreadStatic] private static Half[]? _halves;

    /// <summary>The weight formats the CPU products read: F32, F16, BF16, FP8 rows and the block formats of <see cref="CpuBlockUnpack"/>.</summary>
    public static bool Reads(TensorFormat format) => format.IsFloat() || format == TensorFormat.FP8 || CpuBlockUnpack.Supports(format);

    public static void Run(CpuTensor x, CpuWeight w, CpuWeight? bias, CpuTensor y)
    {
        int n = x.Rows, k = x.Cols, m = w.Rows;
        if (w.Cols != k || y.Cols != m || y.Rows != n)
            throw new ArgumentException($"matmul shapes: x [{n}, {k}] · {w.Name} [{m}, {w.Cols}]ᵀ → y [{y.Rows}, {y.Cols}]");
        if (w.Format.IsBlockQuantized()) CpuQuantMatMul.Run(x, w, y);
        else if (w.Format == TensorFormat.FP8 && n <= StreamingMaxRows && CpuFp8MatVec.IsSupported) CpuFp8MatVec.Run(x.Floats, n, k, w, y.Floats, m);
        else if (n <= StreamingMaxRows && w.Format is TensorFormat.BF16 or TensorFormat.F16 && Vector512.IsHardwareAccelerated)
        {
            bool half = w.Format == TensorFormat.F16;
            // Finite F16 weights take the cheap widening, whose 2^-112 scale x carries (exact both ways; see F16FiniteLanes).
            bool finiteHalves = half && w.FiniteHalves;
            float* paired = PairedLanes(half ? RoundedToHalf(x.Floats, n * k) : x.Floats, n, k, finiteHalves ? F16FiniteLanes.XScale : 1f), yp = y.Floats;
            int rowsPerTask = StreamTaskRows(m), tasks = (m + rowsPerTask - 1) / rowsPerTask;
            CpuParallel.For(tasks, (long)n * m * k, task =>
            {
                int j0 = task * rowsPerTask, j1 = Math.Min(m, j0 + rowsPerTask);
                for (int i = 0; i < n; i++)
                {
                    ushort* first = (ushort*)w.Data + (long)j0 * k;
                    if (finiteHalves) DotPaired<F16FiniteLanes>(first, j1 - j0, k, paired + (long)i * k, yp + (long)i * m + j0);
                    else if (half) DotPaired<F16Lanes>(first, j1 - j0, k, paired + (long)i * k, yp + (long)i * m + j0);
                    else DotPaired<BF16Lanes>(first, j1 - j0, k, paired + (long)i * k, yp + (long)i * m + j0);
                }
            });
        }
        else
        {
            float* xp = x.Floats, yp = y.Floats;
            if (w.Format == TensorFormat.F16) xp = RoundedToHalf(xp, n * k);
            // F32 and BF16 rows are read where they lie; F16 rounds x first and FP8 rows carry a scale: those widen rows.
            bool streaming = n <= StreamingMaxRows && w.Format is TensorFormat.F32 or TensorFormat.BF16;
            int rowsPerTask = streaming ? RowsPerTask : Math.Clamp(PanelBytes / (k * sizeof(float)) / TileRows * TileRows, TileRows, RowsPerTask);
            int tasks = (m + rowsPerTask - 1) / rowsPerTask;
            CpuParallel.For(tasks, (long)n * m * k, task =>
            {
                int j0 = task * rowsPerTask, j1 = Math.Min(m, j0 + rowsPerTask);
                if (streaming) Streaming(xp, n, k, w, yp, m, j0, j1);
                else Tiled(xp, n, k, w, yp, m, j0, j1);
            });
        }
        if (bias is not null)
        {
            var b = bias.Vector;
            for (int i = 0; i < n; i++) TensorPrimitives.Add(y.Row(i), b, y.Row(i));
        }
    }

    /// <summary>The <paramref name="count"/> floats at <paramref name="x"/> rounded to fp16 (round to nearest even, as F16C does), in this thread's scratch.</summary>
    private static float* RoundedToHalf(float* x, int count)
    {
        if (_roundedX is null || _roundedX.Length < count)
        {
            _roundedX = GC.AllocateUninitializedArray<float>(count, pinned: true);
            _halves = GC.AllocateUninitializedArray<Half>(count);
        }
        TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(x, count), _halves.AsSpan(0, count));
        TensorPrimitives.ConvertToSingle(_halves.AsSpan(0, count), _roundedX.AsSpan(0, count));
        return (float*)Unsafe.AsPointer(ref _roundedX[0]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Streaming(float* x, int n, int k, CpuWeight w, float* y, int m, int j0, int j1)
    {
        for (int i = 0; i < n; i++)
        {
            float* xi = x + (long)i * k, yi = y + (long)i * m;
            int j = j0;
            if (w.Format == TensorFormat.BF16)
            {
                ushort* wp = (ushort*)w.Data;
                for (; j + 4 <= j1; j += 4) DotBF16x4(wp + (long)j * k, k, xi, yi + j);
                for (; j < j1; j++) yi[j] = DotBF16(wp + (long)j * k, xi, k);
            }
            else
                for (; j < j1; j++) yi[j] = TensorPrimitives.Dot(new ReadOnlySpan<float>((float*)w.Data + (long)j * k, k), new ReadOnlySpan<float>(xi, k));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tiled(float* x, int n, int k, CpuWeight w, float* y, int m, int j0, int j1)
    {
        // Widen the task's W rows once (≤ RowsPerTask × k fp32, L2-resident), then sweep x in chunks that stay
        // in L2 too: every 4 × 4 block reads its W and x rows from cache, and W comes from memory once.
        int rows = j1 - j0;
        var panelSpan = CpuScratch.FloatsB(rows * k);
        for (int r = 0; r < rows; r++) w.RowToSingle(j0 + r, panelSpan.Slice(r * k, k));
        int chunk = Math.Max(TileCols, XChunkBytes / (k * sizeof(float)) / TileCols * TileCols);
        fixed (float* panel = panelSpan)
            for (int i0 = 0; i0 < n; i0 += chunk)
            {
                int i1 = Math.Min(n, i0 + chunk);
                int jr = 0;
                for (; jr + TileRows <= rows; jr += TileRows)
                {
                    int i = i0;
                    if (Vector256.IsHardwareAccelerated)
                        for (; i + TileCols <= i1; i += TileCols) Block4x4(panel + (long)jr * k, x + (long)i * k, k, y + (long)i * m + j0 + jr, m);
                    for (; i < i1; i++) DotRows(panel + (long)jr * k, TileRows, x + (long)i * k, k, y + (long)i * m + j0 + jr);
                }
                if (jr < rows)
                    for (int i = i0; i < i1; i++) DotRows(panel + (long)jr * k, rows - jr, x + (long)i * k, k, y + (long)i * m + j0 + jr);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotRows(float* w, int rows, float* x, int k, float* y)
    {
        var xi = new ReadOnlySpan<float>(x, k);
        for (int r = 0; r < rows; r++) y[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(w + (long)r * k, k), xi);
    }

    /// <summary>
    /// y[c·ldy + r] = Σ w[r·k + i] · x[c·k + i] for r, c ∈ [0, 4): a 4 × 4 register block (16 accumulators).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x4(float* w, float* x, int k, float* y, int ldy)
    {
        float* w0 = w, w1 = w + k, w2 = w + 2 * k, w3 = w + 3 * k;
        float* x0 = x, x1 = x + k, x2 = x + 2 * k, x3 = x + 3 * k;
        int i = 0;
        Span<float> s = stackalloc float[16];
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (; i + 16 <= k; i += 16)
            {
                var v0 = Vector512.Load(x0 + i); var v1 = Vector512.Load(x1 + i);
                var v2 = Vector512.Load(x2 + i); var v3 = Vector512.Load(x3 + i);
                var u = Vector512.Load(w0 + i);
                a00 = Vector512.FusedMultiplyAdd(u, v0, a00); a01 = Vector512.FusedMultiplyAdd(u, v1, a01);
                a02 = Vector512.FusedMultiplyAdd(u, v2, a02); a03 = Vector512.FusedMultiplyAdd(u, v3, a03);
                u = Vector512.Load(w1 + i);
                a10 = Vector512.FusedMultiplyAdd(u, v0, a10); a11 = Vector512.FusedMultiplyAdd(u, v1, a11);
                a12 = Vector512.FusedMultiplyAdd(u, v2, a12); a13 = Vector512.FusedMultiplyAdd(u, v3, a13);
                u = Vector512.Load(w2 + i);
                a20 = Vector512.FusedMultiplyAdd(u, v0, a20); a21 = Vector512.FusedMultiplyAdd(u, v1, a21);
                a22 = Vector512.FusedMultiplyAdd(u, v2, a22); a23 = Vector512.FusedMultiplyAdd(u, v3, a23);
                u = Vector512.Load(w3 + i);
                a30 = Vector512.FusedMultiplyAdd(u, v0, a30); a31 = Vector512.FusedMultiplyAdd(u, v1, a31);
                a32 = Vector512.FusedMultiplyAdd(u, v2, a32); a33 = Vector512.FusedMultiplyAdd(u, v3, a33);
            }
            s[0] = Vector512.Sum(a00); s[1] = Vector512.Sum(a01); s[2] = Vector512.Sum(a02); s[3] = Vector512.Sum(a03);
            s[4] = Vector512.Sum(a10); s[5] = Vector512.Sum(a11); s[6] = Vector512.Sum(a12); s[7] = Vector512.Sum(a13);
            s[8] = Vector512.Sum(a20); s[9] = Vector512.Sum(a21); s[10] = Vector512.Sum(a22); s[11] = Vector512.Sum(a23);
            s[12] = Vector512.Sum(a30); s[13] = Vector512.Sum(a31); s[14] = Vector512.Sum(a32); s[15] = Vector512.Sum(a33);
        }
        else
        {
            Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (; i + 8 <= k; i += 8)
            {
                var v0 = Vector256.Load(x0 + i); var v1 = Vector256.Load(x1 + i);
                var v2 = Vector256.Load(x2 + i); var v3 = Vector256.Load(x3 + i);
                var u = Vector256.Load(w0 + i);
                a00 = Vector256.FusedMultiplyAdd(u, v0, a00); a01 = Vector256.FusedMultiplyAdd(u, v1, a01);
                a02 = Vector256.FusedMultiplyAdd(u, v2, a02); a03 = Vector256.FusedMultiplyAdd(u, v3, a03);
                u = Vector256.Load(w1 + i);
                a10 = Vector256.FusedMultiplyAdd(u, v0, a10); a11 = Vector256.FusedMultiplyAdd(u, v1, a11);
                a12 = Vector256.FusedMultiplyAdd(u, v2, a12); a13 = Vector256.FusedMultiplyAdd(u, v3, a13);
                u = Vector256.Load(w2 + i);
                a20 = Vector256.FusedMultiplyAdd(u, v0, a20); a21 = Vector256.FusedMultiplyAdd(u, v1, a21);
                a22 = Vector256.FusedMultiplyAdd(u, v2, a22); a23 = Vector256.FusedMultiplyAdd(u, v3, a23);
                u = Vector256.Load(w3 + i);
                a30 = Vector256.FusedMultiplyAdd(u, v0, a30); a31 = Vector256.FusedMultiplyAdd(u, v1, a31);
                a32 = Vector256.FusedMultiplyAdd(u, v2, a32); a33 = Vector256.FusedMultiplyAdd(u, v3, a33);
            }
            s[0] = Vector256.Sum(a00); s[1] = Vector256.Sum(a01); s[2] = Vector256.Sum(a02); s[3] = Vector256.Sum(a03);
            s[4] = Vector256.Sum(a10); s[5] = Vector256.Sum(a11); s[6] = Vector256.Sum(a12); s[7] = Vector256.Sum(a13);
            s[8] = Vector256.Sum(a20); s[9] = Vector256.Sum(a21); s[10] = Vector256.Sum(a22); s[11] = Vector256.Sum(a23);
            s[12] = Vector256.Sum(a30); s[13] = Vector256.Sum(a31); s[14] = Vector256.Sum(a32); s[15] = Vector256.Sum(a33);
        }
        for (; i < k; i++)
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++) s[r * 4 + c] += w[r * k + i] * x[c * k + i];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) y[c * ldy + r] = s[r * 4 + c];
    }

    /// <summary>BF16/F16 elements per step of <see cref="DotPaired{TLanes}"/>: one 64-byte load of W.</summary>
    private const int PairChunk = 32;

    [ThreadStatic] private static float[]? _paired;

    /// <summary>
    /// x's rows with each whole 32-element chunk reordered as its 16 even-indexed elements, then its 16 odd-indexed ones
    /// (a row's last k mod 32 elements stay in order), in this thread's scratch: the order a 64-byte load of 32 bf16 values yields when read as 16 uint32 lanes, where
    /// lane j holds element 2j in its low half and element 2j+1 in its high half; each element times
    /// <paramref name="scale"/> (a power of two).
    /// </summary>
    private static float* PairedLanes(float* x, int n, int k, float scale)
    {
        int count = n * k, full = k / PairChunk * PairChunk;
        if (_paired is null || _paired.Length < count) _paired = GC.AllocateUninitializedArray<float>(count, pinned: true);
        fixed (float* p = _paired)
        {
            for (long row = 0; row < count; row += k)
            {
                for (long c = row; c < row + full; c += PairChunk)
                    for (int j = 0; j < PairChunk / 2; j++)
                    {
                        p[c + j] = x[c + 2 * j] * scale;
                        p[c + PairChunk / 2 + j] = x[c + 2 * j + 1] * scale;
                    }
                for (long e = row + full; e < row + k; e++) p[e] = x[e] * scale;   // the tail stays in order
            }
            return p;
        }
    }

    /// <summary>W rows one decode pass of <see cref="DotPaired{TLanes}"/> reads side by side.</summary>
    private const int StreamRows = 8;

    /// <summary>
    /// W rows per task of the BF16/F16 decode product: at least four tasks per core (the last task of a product leaves
    /// the other cores waiting), otherwise long, since each of <see cref="DotPaired{TLanes}"/>'s eight streams runs over
    /// an eighth of the task's rows: 32 … 128 rows, a multiple of <see cref="StreamRows"/>.
    /// </summary>
    private static int StreamTaskRows(int m) =>
        Math.Clamp(m / (4 * Environment.ProcessorCount) / StreamRows * StreamRows, 4 * StreamRows, 16 * StreamRows);

    /// <summary>
    /// y[r] = Σ w[r·k + i] · x[i] for <paramref name="rows"/> consecutive BF16 or F16 rows (<typeparamref name="TLanes"/>).
    /// Each 64-byte load of W is read as 16 uint32 lanes, lane j holding element 2j in its low half and 2j + 1 in its
    /// high half; <typeparamref name="TLanes"/> widens both halves in registers, with no cross-lane shuffles, against x
    /// reordered to match (<see cref="PairedLanes"/>). Eight rows go side by side, each x load shared by the eight, and
    /// stream j runs through the j-th eighth of the rows, so each stream is sequential over rows/8 whole rows: eight
    /// streams keep more cache lines in flight than one, and long ones spare the prefetchers a restart at every row
    /// (llama-3.2-1b BF16's decode products on a 2-core EPYC VM, weights in anonymous memory, alternating tokens in one
    /// run: 65.4 → 56.5 ms per token in huge pages and 72.6 → 62.2 in 4 KiB pages for eight rows side by side against
    /// one; +4–6 % more for eighths of 64–128-row tasks than for consecutive rows; notes/quant/README.md "Seventh
    /// session"). The rows past the last whole eighth (fewer than eight) go one at a time. Products and sums in fp32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotPaired<TLanes>(ushort* w, int rows, int k, float* paired, float* y) where TLanes : struct, IPairedLanes
    {
        int full = k / PairChunk * PairChunk, eighth = rows / StreamRows;
        long h = (long)eighth * k / 2;   // uint32 lanes between two streams
        for (int r = 0; r < eighth; r++)
        {
            uint* q = (uint*)(w + (long)r * k);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int i = 0; i < full; i += PairChunk)
            {
                var even = Vector512.Load(paired + i);
                var odd = Vector512.Load(paired + i + PairChunk / 2);
                uint* o = q + i / 2;
                a0 = TLanes.Dot(Vector512.Load(o), even, odd, a0);
                a1 = TLanes.Dot(Vector512.Load(o + h), even, odd, a1);
                a2 = TLanes.Dot(Vector512.Load(o + 2 * h), even, odd, a2);
                a3 = TLanes.Dot(Vector512.Load(o + 3 * h), even, odd, a3);
                a4 = TLanes.Dot(Vector512.Load(o + 4 * h), even, odd, a4);
                a5 = TLanes.Dot(Vector512.Load(o + 5 * h), even, odd, a5);
                a6 = TLanes.Dot(Vector512.Load(o + 6 * h), even, odd, a6);
                a7 = TLanes.Dot(Vector512.Load(o + 7 * h), even, odd, a7);
            }
            y[r] = Vector512.Sum(a0); y[r + eighth] = Vector512.Sum(a1); y[r + 2 * eighth] = Vector512.Sum(a2); y[r + 3 * eighth] = Vector512.Sum(a3);
            y[r + 4 * eighth] = Vector512.Sum(a4); y[r + 5 * eighth] = Vector512.Sum(a5); y[r + 6 * eighth] = Vector512.Sum(a6); y[r + 7 * eighth] = Vector512.Sum(a7);
            for (int t = 0; t < StreamRows && full < k; t++)
                y[r + t * eighth] += Tail<TLanes>(w + (long)(r + t * eighth) * k, full, k, paired);
        }
        for (int r = StreamRows * eighth; r < rows; r++)
        {
            uint* row = (uint*)(w + (long)r * k);
            Vector512<float> a0 = default;
            for (int i = 0; i < full; i += PairChunk)
                a0 = TLanes.Dot(Vector512.Load(row + i / 2), Vector512.Load(paired + i), Vector512.Load(paired + i + PairChunk / 2), a0);
            y[r] = Vector512.Sum(a0) + Tail<TLanes>(w + (long)r * k, full, k, paired);
        }
    }

    /// <summary>Σ w(e[i]) · x[i] over a row's last elements [<paramref name="from"/>, k), which fill no 32-element chunk.</summary>
    private static float Tail<TLanes>(ushort* e, int from, int k, float* x) where TLanes : struct, IPairedLanes
    {
        float tail = 0;
        for (int i = from; i < k; i++) tail += TLanes.Widen(e[i]) * x[i];
        return tail;
    }

    /// <summary>A 16-bit weight format as <see cref="DotPaired{TLanes}"/> reads it: 32 values per 16 uint32 lanes.</summary>
    private interface IPairedLanes
    {
        /// <summary>acc + even(u) · xEven + odd(u) · xOdd, the even elements in the lanes' low halves and the odd in their high halves.</summary>
        static abstract Vector512<float> Dot(Vector512<uint> u, Vector512<float> xEven, Vector512<float> xOdd, Vector512<float> acc);

        /// <summary>One stored value as fp32.</summary>
        static abstract float Widen(ushort bits);
    }

    /// <summary>BF16: a left shift by 16 gives the even elements as fp32, a mask of the high half the odd ones.</summary>
    private struct BF16Lanes : IPairedLanes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Dot(Vector512<uint> u, Vector512<float> xEven, Vector512<float> xOdd, Vector512<float> acc) =>
            Vector512.FusedMultiplyAdd((u & Vector512.Create(0xFFFF0000u)).AsSingle(), xOdd,
                Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(u, 16).AsSingle(), xEven, acc));

        public static float Widen(ushort bits) => FloatConversion.BF16ToSingle(bits);
    }

    /// <summary>
    /// F16, each half widened by <see cref="HalfLanes"/>' bit arithmetic (.NET 10 has no F16C intrinsic; the library's
    /// Half conversion took a third of a small model's decode step when it widened whole rows to scratch). x comes
    /// rounded to fp16 (llama.cpp's vec_dot_type for F16), so every product is exact in fp32.
    /// </summary>
    private struct F16Lanes : IPairedLanes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Dot(Vector512<uint> u, Vector512<float> xEven, Vector512<float> xOdd, Vector512<float> acc) =>
            Vector512.FusedMultiplyAdd(HalfLanes(Vector512.ShiftRightLogical(u, 16)), xOdd,
                Vector512.FusedMultiplyAdd(HalfLanes(u & Vector512.Create(0xFFFFu)), xEven, acc));

        public static float Widen(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);
    }

    /// <summary>
    /// F16 weights with no inf or NaN (<see cref="CpuWeight.FiniteHalves"/>, checked at load): an arithmetic shift right
    /// by 3 of a lane whose top 16 bits hold a half puts its sign at bit 31 and its exponent and mantissa at fp32's bits
    /// 13–27; masking the rest leaves the fp32 number h · 2^-112, exact for normal and subnormal halves. x comes scaled
    /// by 2^112 (<see cref="XScale"/>, exact: x is rounded to fp16 first, so |x| ≤ 65504 and 65504 · 2^112 is below
    /// fp32's largest), so each product is h · x exactly, as <see cref="F16Lanes"/>' — in 5 operations per 32 values
    /// instead of 20.
    /// </summary>
    private struct F16FiniteLanes : IPairedLanes
    {
        /// <summary>2^112: the scale that undoes the widening's 2^-112.</summary>
        public const float XScale = 5.192296858534828e33f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Dot(Vector512<uint> u, Vector512<float> xEven, Vector512<float> xOdd, Vector512<float> acc)
        {
            var keep = Vector512.Create(0x8FFFE000u).AsInt32();
            var odd = Vector512.ShiftRightArithmetic(u.AsInt32(), 3) & keep;
            var even = Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(u, 16).AsInt32(), 3) & keep;
            return Vector512.FusedMultiplyAdd(odd.AsSingle(), xOdd, Vector512.FusedMultiplyAdd(even.AsSingle(), xEven, acc));
        }

        public static float Widen(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits) / XScale;
    }

    /// <summary>Whether none of the <paramref name="count"/> fp16 values at <paramref name="h"/> is inf or NaN (exponent all ones).</summary>
    public static bool AllFinite(ushort* h, long count)
    {
        long i = 0;
        var exponent = Vector512.Create((ushort)0x7C00);
        var any = Vector512<ushort>.Zero;
        for (; i + Vector512<ushort>.Count <= count; i += Vector512<ushort>.Count)
        {
            var e = Vector512.Load(h + i) & exponent;
            any |= Vector512.Equals(e, exponent);
        }
        if (any != Vector512<ushort>.Zero) return false;
        for (; i < count; i++) if ((h[i] & 0x7C00) == 0x7C00) return false;
        return true;
    }

    /// <summary>
    /// fp16 bit patterns in the low 16 bits of each lane, as fp32: the magnitude bits moved into fp32's place and scaled
    /// by 2^112 (exact for normal and subnormal values), exponent 31 kept all-ones (inf, NaN with its payload), sign
    /// copied; the lane-wise form of <see cref="CpuBlockUnpack.Half"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HalfLanes(Vector512<uint> h)
    {
        var magnitude = Vector512.ShiftLeft(h & Vector512.Create(0x7FFFu), 13);
        var finite = magnitude.AsSingle() * Vector512.Create(5.192296858534828e33f);
        var special = (magnitude | Vector512.Create(0x7F800000u)).AsSingle();
        var f = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x0F800000u)).AsSingle(), special, finite);
        return (f.AsUInt32() | Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16)).AsSingle();
    }

    /// <summary>Four dot products y[r] = Σ bf16(w[r·k + i]) · x[i], r ∈ [0, 4), sharing each x load (bf16 → fp32 is a 16-bit shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotBF16x4(ushort* w, int k, float* x, float* y)
    {
        ushort* w0 = w, w1 = w + k, w2 = w + 2 * k, w3 = w + 3 * k;
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (Vector512.IsHardwareAccelerated && k >= 32)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 32 <= k; i += 32)
            {
                var xl = Vector512.Load(x + i);
                var xh = Vector512.Load(x + i + 16);
                a0 = AddWidened(Vector512.Load(w0 + i), xl, xh, a0);
                a1 = AddWidened(Vector512.Load(w1 + i), xl, xh, a1);
                a2 = AddWidened(Vector512.Load(w2 + i), xl, xh, a2);
                a3 = AddWidened(Vector512.Load(w3 + i), xl, xh, a3);
            }
            s0 = Vector512.Sum(a0); s1 = Vector512.Sum(a1); s2 = Vector512.Sum(a2); s3 = Vector512.Sum(a3);
        }
        else if (Vector256.IsHardwareAccelerated && k >= 16)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 16 <= k; i += 16)
            {
                var xl = Vector256.Load(x + i);
                var xh = Vector256.Load(x + i + 8);
                a0 = AddWidened(Vector256.Load(w0 + i), xl, xh, a0);
                a1 = AddWidened(Vector256.Load(w1 + i), xl, xh, a1);
                a2 = AddWidened(Vector256.Load(w2 + i), xl, xh, a2);
                a3 = AddWidened(Vector256.Load(w3 + i), xl, xh, a3);
            }
            s0 = Vector256.Sum(a0); s1 = Vector256.Sum(a1); s2 = Vector256.Sum(a2); s3 = Vector256.Sum(a3);
        }
        for (; i < k; i++)
        {
            float xv = x[i];
            s0 += FloatConversion.BF16ToSingle(w0[i]) * xv;
            s1 += FloatConversion.BF16ToSingle(w1[i]) * xv;
            s2 += FloatConversion.BF16ToSingle(w2[i]) * xv;
            s3 += FloatConversion.BF16ToSingle(w3[i]) * xv;
        }
        y[0] = s0; y[1] = s1; y[2] = s2; y[3] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AddWidened(Vector512<ushort> raw, Vector512<float> xl, Vector512<float> xh, Vector512<float> acc)
    {
        // bf16 element e becomes the fp32 with the same top 16 bits: widen to 32 bits and shift left by 16.
        acc = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(Vector512.WidenLower(raw), 16).AsSingle(), xl, acc);
        return Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(Vector512.WidenUpper(raw), 16).AsSingle(), xh, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AddWidened(Vector256<ushort> raw, Vector256<float> xl, Vector256<float> xh, Vector256<float> acc)
    {
        acc = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(Vector256.WidenLower(raw), 16).AsSingle(), xl, acc);
        return Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(Vector256.WidenUpper(raw), 16).AsSingle(), xh, acc);
    }

    /// <summary>Σ bf16(w[i]) · x[i], widening 16 bf16 values per step (bf16 → fp32 is a 16-bit shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotBF16(ushort* w, float* x, int k)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && k >= 16)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 16 <= k; i += 16)
                acc = AddWidened(Vector256.Load(w + i), Vector256.Load(x + i), Vector256.Load(x + i + 8), acc);
            sum = Vector256.Sum(acc);
        }
        for (; i < k; i++) sum += FloatConversion.BF16ToSingle(w[i]) * x[i];
        return sum;
    }
}
