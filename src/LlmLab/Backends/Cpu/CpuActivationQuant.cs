using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// fp32 activation rows quantized for the integer dot products of <see cref="CpuQuantMatMul"/>: int8 in
/// blocks of 32 with one fp32 scale each (ggml's Q8_0 numerics: d = amax / 127, q = round(x / d), round
/// half to even), plus each 16-element group's sum d·Σq for the formats whose blocks carry a minimum.
/// llama.cpp quantizes activations to Q8_0/Q8_1 for the 32-element types and to Q8_K (one scale per 256)
/// for the K-quants; one scale per 32 everywhere is at least as accurate and keeps a single kernel.
/// Shapes: Q [rows, k] sbyte, Scales [rows, k/32], GroupSums [rows, k/16].
/// </summary>
internal sealed unsafe class CpuActivationQuant
{
    /// <summary>Elements sharing one activation scale.</summary>
    public const int BlockLength = 32;

    /// <summary>Elements per group sum (the smallest sub-block of any weight format: Q2_K, Q3_K, Q6_K).</summary>
    public const int GroupLength = 16;

    /// <summary>int8 range used: ±127, so |q| · |w| pairs stay inside pmaddubsw's int16 sums (2 · 128 · 127 &lt; 32768).</summary>
    private const float MaxQuant = 127f;

    [ThreadStatic] private static CpuActivationQuant? _perThread;

    private sbyte[] _q = [];
    private float[] _scales = [], _sums = [];

    /// <summary>This thread's buffers, grown to <paramref name="rows"/> × <paramref name="k"/>.</summary>
    public static CpuActivationQuant ForThread(int rows, int k)
    {
        var a = _perThread ??= new CpuActivationQuant();
        long elements = (long)rows * k;
        if (a._q.Length < elements)
        {
            a._q = GC.AllocateUninitializedArray<sbyte>(checked((int)elements), pinned: true);
            a._scales = GC.AllocateUninitializedArray<float>((int)(elements / BlockLength), pinned: true);
            a._sums = GC.AllocateUninitializedArray<float>((int)(elements / GroupLength), pinned: true);
        }
        a.K = k;
        return a;
    }

    /// <summary>Row length (a multiple of <see cref="BlockLength"/>).</summary>
    public int K { get; private set; }

    public sbyte* Q(int row) => (sbyte*)Unsafe.AsPointer(ref _q[0]) + (long)row * K;
    public float* Scales(int row) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)row * (K / BlockLength);
    public float* GroupSums(int row) => (float*)Unsafe.AsPointer(ref _sums[0]) + (long)row * (K / GroupLength);

    /// <summary>Quantizes row <paramref name="row"/> from <paramref name="x"/> (K floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Quantize(int row, float* x)
    {
        sbyte* q = Q(row);
        float* scales = Scales(row), sums = GroupSums(row);
        for (int b = 0; b < K / BlockLength; b++)
        {
            float* xb = x + b * BlockLength;
            sbyte* qb = q + b * BlockLength;
            float amax = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var m = Vector256.Max(Vector256.Max(Vector256.Abs(Vector256.Load(xb)), Vector256.Abs(Vector256.Load(xb + 8))),
                                      Vector256.Max(Vector256.Abs(Vector256.Load(xb + 16)), Vector256.Abs(Vector256.Load(xb + 24))));
                amax = MathF.Max(MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3])), MathF.Max(MathF.Max(m[4], m[5]), MathF.Max(m[6], m[7])));
            }
            else
                for (int i = 0; i < BlockLength; i++) amax = MathF.Max(amax, MathF.Abs(xb[i]));
            float d = amax / MaxQuant, id = d != 0 ? 1f / d : 0f;
            scales[b] = d;
            int s0 = 0, s1 = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var inv = Vector256.Create(id);
                var i0 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb) * inv));
                var i1 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 8) * inv));
                var i2 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 16) * inv));
                var i3 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 24) * inv));
                var lo = Vector256.Narrow(i0, i1);          // 16 × int16, elements 0..15 in order
                var hi = Vector256.Narrow(i2, i3);
                Vector256.Narrow(lo, hi).Store(qb);          // 32 × int8
                s0 = Vector256.Sum(i0 + i1);
                s1 = Vector256.Sum(i2 + i3);
            }
            else
                for (int i = 0; i < BlockLength; i++)
                {
                    int v = (int)MathF.Round(xb[i] * id);
                    qb[i] = (sbyte)v;
                    if (i < GroupLength) s0 += v; else s1 += v;
                }
            sums[2 * b] = d * s0;
            sums[2 * b + 1] = d * s1;
        }
    }
}
