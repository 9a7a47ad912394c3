using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Decode products (a few rows of x) with <see cref="TensorFormat.FP8"/> weights on CPUs with AVX-512 VBMI: each E4M3
/// code becomes its bfloat16 (exact: E4M3's 3 mantissa bits and 2⁻⁹…448 range fit bf16) by two 128-entry byte lookups
/// (<c>vpermi2b</c>: the bf16's high and low byte of the code's magnitude, the sign bit ORed back), the bf16 pairs are
/// widened to fp32 in place as the BF16 decode path widens them, and multiplied with x in fp32; the row's sum times its
/// scale. About 20 instructions per 64 weights, so a row streams at memory speed (the widening path through
/// <see cref="Fp8E4M3.DecodeScaled"/> costs about 2 per weight). The byte interleave (<c>vpunpck{l,h}bw</c>) and the
/// widening keep 128-bit lanes, so x is permuted once per call to the order they leave the weights in.
/// </summary>
internal static unsafe class CpuFp8MatVec
{
    /// <summary>Codes per step: one 64-byte load.</summary>
    private const int Step = 64;

    /// <summary>Rows of W per parallel task (as the BF16 decode path).</summary>
    private const int RowsPerTask = 32;

    private static readonly Vector512<byte> LowTable0, LowTable1, HighTable0, HighTable1;

    static CpuFp8MatVec()
    {
        var low = new byte[128];
        var high = new byte[128];
        for (int code = 0; code < 128; code++)
        {
            ushort bits = FloatConversion.SingleToBF16(Fp8E4M3.ToSingle((byte)code));   // exact (NaN: bf16's quiet NaN)
            low[code] = (byte)bits;
            high[code] = (byte)(bits >> 8);
        }
        LowTable0 = Vector512.Create(low.AsSpan(0, 64));
        LowTable1 = Vector512.Create(low.AsSpan(64, 64));
        HighTable0 = Vector512.Create(high.AsSpan(0, 64));
        HighTable1 = Vector512.Create(high.AsSpan(64, 64));
    }

    /// <summary>Whether this CPU runs the lookup path (AVX-512 VBMI).</summary>
    public static bool IsSupported => Avx512Vbmi.IsSupported;

    /// <summary>y[n, m] = x[n, k] · Wᵀ for FP8 rows of W (each k codes then an fp32 scale), on all cores.</summary>
    public static void Run(float* x, int n, int k, CpuWeight w, float* y, int m)
    {
        float* permuted = Permuted(x, n, k);
        long rowBytes = TensorFormat.FP8.RowBytes(k);
        byte* data = w.Data;
        int tasks = (m + RowsPerTask - 1) / RowsPerTask;
        CpuParallel.For(tasks, (long)n * m * k, task =>
        {
            int j0 = task * RowsPerTask, j1 = Math.Min(m, j0 + RowsPerTask);
            for (int i = 0; i < n; i++)
                for (int j = j0; j < j1; j++)
                {
                    byte* row = data + j * rowBytes;
                    y[(long)i * m + j] = Dot(row, k, permuted + (long)i * k) * Unsafe.ReadUnaligned<float>(row + k);
                }
        });
    }

    /// <summary>
    /// x's rows with each 64-element step reordered to how <see cref="Dot"/> leaves the weights: for the two byte
    /// interleaves h ∈ {low, high} and their 16 dwords d, the even then the odd element of dword d, which is element
    /// 16·(d / 4) + 8·h + 2·(d mod 4) (+1) of the step. The tail (k mod 64) stays in order.
    /// </summary>
    private static float* Permuted(float* x, int n, int k)
    {
        int count = n * k, full = k / Step * Step;
        // CpuScratch's arrays are pinned: the pointer stays valid while the tasks read it (they use no scratch themselves).
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(CpuScratch.FloatsA(count)));
        for (long row = 0; row < count; row += k)
        {
            for (long s = row; s < row + full; s += Step)
                for (int h = 0; h < 2; h++)
                    for (int d = 0; d < 16; d++)
                    {
                        long source = s + 16 * (d / 4) + 8 * h + 2 * (d % 4);
                        p[s + 32 * h + d] = x[source];           // even elements of the 16 dwords
                        p[s + 32 * h + 16 + d] = x[source + 1];  // odd elements
                    }
            for (long e = row + full; e < row + k; e++) p[e] = x[e];
        }
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(byte* codes, int k, float* x)
    {
        var signs = Vector512.Create((byte)0x80);
        var oddMask = Vector512.Create(0xFFFF0000u);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + Step <= k; i += Step)
        {
            var c = Vector512.Load(codes + i);
            var low = Avx512Vbmi.PermuteVar64x8x2(LowTable0, c, LowTable1);
            var high = Avx512Vbmi.PermuteVar64x8x2(HighTable0, c, HighTable1) | (c & signs);
            var w0 = Avx512BW.UnpackLow(low, high).AsUInt32();    // per 128-bit lane: the bf16 of bytes 0–7
            var w1 = Avx512BW.UnpackHigh(low, high).AsUInt32();   // and of bytes 8–15
            a0 = Vector512.FusedMultiplyAdd((w0 << 16).AsSingle(), Vector512.Load(x + i), a0);
            a1 = Vector512.FusedMultiplyAdd((w0 & oddMask).AsSingle(), Vector512.Load(x + i + 16), a1);
            a2 = Vector512.FusedMultiplyAdd((w1 << 16).AsSingle(), Vector512.Load(x + i + 32), a2);
            a3 = Vector512.FusedMultiplyAdd((w1 & oddMask).AsSingle(), Vector512.Load(x + i + 48), a3);
        }
        float sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; i < k; i++) sum += Fp8E4M3.ToSingle(codes[i]) * x[i];
        return sum;
    }
}
