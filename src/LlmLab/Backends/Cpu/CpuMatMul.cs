using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// y[n, m] = x[n, k] · W[m, k]ᵀ with W stored as F32, F16 or BF16 and all math in fp32.
/// Work is split over blocks of W rows across all cores. Decode (n small) streams each W row once
/// through a fused convert-and-dot; prefill widens a block of W rows once and reuses it for every x row.
/// </summary>
internal static unsafe class CpuMatMul
{
    /// <summary>W rows per parallel task: enough work per task (≥ 64 rows × k) to amortise scheduling.</summary>
    private const int RowsPerTask = 64;

    /// <summary>W rows widened together in the prefill path (fits L1/L2 for k up to ~8k).</summary>
    private const int RowsPerTile = 4;

    /// <summary>Below this many x rows the fused streaming path wins (each W row is read from memory once per x row anyway).</summary>
    private const int StreamingMaxRows = 2;

    public static void Run(CpuTensor x, CpuWeight w, CpuWeight? bias, CpuTensor y)
    {
        int n = x.Rows, k = x.Cols, m = w.Rows;
        if (w.Cols != k || y.Cols != m || y.Rows != n)
            throw new ArgumentException($"matmul shapes: x [{n}, {k}] · {w.Name} [{m}, {w.Cols}]ᵀ → y [{y.Rows}, {y.Cols}]");
        int tasks = (m + RowsPerTask - 1) / RowsPerTask;
        float* xp = x.Floats, yp = y.Floats;
        CpuParallel.For(tasks, (long)n * m * k, task =>
        {
            int j0 = task * RowsPerTask, j1 = Math.Min(m, j0 + RowsPerTask);
            if (n <= StreamingMaxRows && w.Format != TensorFormat.F16) Streaming(xp, n, k, w, yp, m, j0, j1);
            else Tiled(xp, n, k, w, yp, m, j0, j1);
        });
        if (bias is not null)
        {
            var b = bias.Vector;
            for (int i = 0; i < n; i++) TensorPrimitives.Add(y.Row(i), b, y.Row(i));
        }
    }

    private static void Streaming(float* x, int n, int k, CpuWeight w, float* y, int m, int j0, int j1)
    {
        for (int j = j0; j < j1; j++)
            for (int i = 0; i < n; i++)
            {
                float* xi = x + (long)i * k;
                y[(long)i * m + j] = w.Format == TensorFormat.BF16
                    ? DotBF16((ushort*)w.Data + (long)j * k, xi, k)
                    : TensorPrimitives.Dot(new ReadOnlySpan<float>((float*)w.Data + (long)j * k, k), new ReadOnlySpan<float>(xi, k));
            }
    }

    private static void Tiled(float* x, int n, int k, CpuWeight w, float* y, int m, int j0, int j1)
    {
        var tile = new float[RowsPerTile * k];
        for (int jt = j0; jt < j1; jt += RowsPerTile)
        {
            int rows = Math.Min(RowsPerTile, j1 - jt);
            for (int r = 0; r < rows; r++) w.RowToSingle(jt + r, tile.AsSpan(r * k, k));
            for (int i = 0; i < n; i++)
            {
                var xi = new ReadOnlySpan<float>(x + (long)i * k, k);
                float* yi = y + (long)i * m;
                for (int r = 0; r < rows; r++) yi[jt + r] = TensorPrimitives.Dot(tile.AsSpan(r * k, k), xi);
            }
        }
    }

    /// <summary>Σ bf16(w[i]) · x[i], widening 16 bf16 values per step (bf16 → fp32 is a 16-bit shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotBF16(ushort* w, float* x, int k)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && k >= 16)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= k; i += 16)
            {
                var raw = Vector256.Load(w + i);
                var lo = Vector256.ShiftLeft(Vector256.WidenLower(raw), 16).AsSingle();
                var hi = Vector256.ShiftLeft(Vector256.WidenUpper(raw), 16).AsSingle();
                acc0 = Vector256.FusedMultiplyAdd(lo, Vector256.Load(x + i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(hi, Vector256.Load(x + i + 8), acc1);
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < k; i++) sum += FloatConversion.BF16ToSingle(w[i]) * x[i];
        return sum;
    }
}
