using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// fp32 activation rows quantized for the integer dot products of <see cref="CpuQuantMatMul"/>, with the numerics of
/// the activation type llama.cpp pairs with each weight format (its <c>vec_dot_type</c>), so a quantized product here
/// equals llama.cpp's up to float summation order:
/// <list type="bullet">
/// <item><see cref="ActivationBlocks.Q8_0"/> (Q8_0, Q4_0, Q5_0, IQ4_NL, MXFP4 weights): one scale per 32, d = amax/127
/// stored as fp16, q = round(x · 127/amax) half to even (ggml's AVX quantize_row_q8_0).</item>
/// <item><see cref="ActivationBlocks.Q8_1"/> (Q4_1, Q5_1): as Q8_0, plus s = fp16(d · Σq) per 32 for the weights' minimum.</item>
/// <item><see cref="ActivationBlocks.Q8_K"/> (the K-quants and IQ4_XS): one fp32 scale per 256; with max the value of
/// largest magnitude, iscale = −127/max, q = min(127, round(iscale · x)), d = 1/iscale (quantize_row_q8_K_ref).</item>
/// </list>
/// The kernels read one scale per 32 (<see cref="Scales"/>; a Q8_K scale is repeated for its 8 blocks of 32) and one
/// sum d·Σq per 16 (<see cref="GroupSums"/>; in Q8_1 the block's fp16 sum sits in its first group and the second
/// holds 0, so Σ over a block's two groups is llama.cpp's s).
/// <see cref="BlockSums"/> and <see cref="IntGroupSums"/> hold the integer Σq per 32 and per 16 (ggml's Q8_K bsums),
/// for the repacked kernels (<see cref="CpuRepackedMatMul"/>), which subtract a weight offset or minimum in int32.
/// Shapes: Q [rows, k] sbyte, Scales [rows, k/32], GroupSums [rows, k/16], BlockSums [rows, k/32] int16 (|Σq| ≤ 32·127),
/// IntGroupSums [rows, k/16] int16.
/// </summary>
internal sealed unsafe class CpuActivationQuant
{
    /// <summary>Elements per scale entry read by the kernels.</summary>
    public const int BlockLength = 32;

    /// <summary>Elements per group sum (the smallest sub-block of any weight format: Q2_K, Q3_K, Q6_K).</summary>
    public const int GroupLength = 16;

    /// <summary>Elements sharing one Q8_K scale (ggml's QK_K).</summary>
    public const int SuperBlockLength = 256;

    /// <summary>int8 range used: ±127, so |q| · |w| pairs stay inside pmaddubsw's int16 sums (2 · 128 · 127 &lt; 32768).</summary>
    private const float MaxQuant = 127f;

    [ThreadStatic] private static CpuActivationQuant? _perThread;

    private sbyte[] _q = [];
    private float[] _scales = [], _sums = [];
    private short[] _blockSums = [], _intSums = [];

    /// <summary>The activation type llama.cpp's CPU backend quantizes activations to for weights in <paramref name="weights"/>.</summary>
    public static ActivationBlocks For(TensorFormat weights) => weights switch
    {
        TensorFormat.Q4_1 or TensorFormat.Q5_1 => ActivationBlocks.Q8_1,
        TensorFormat.Q2_K or TensorFormat.Q3_K or TensorFormat.Q4_K or TensorFormat.Q5_K or TensorFormat.Q6_K
            or TensorFormat.IQ4_XS => ActivationBlocks.Q8_K,
        _ => ActivationBlocks.Q8_0,
    };

    /// <summary>This thread's buffers, grown to <paramref name="rows"/> × <paramref name="k"/>, set to quantize as <paramref name="blocks"/>.</summary>
    public static CpuActivationQuant ForThread(int rows, int k, ActivationBlocks blocks)
    {
        if (blocks == ActivationBlocks.Q8_K && k % SuperBlockLength != 0)
            throw new ArgumentException($"Q8_K activations need rows of whole {SuperBlockLength}-element blocks, not {k}");
        var a = _perThread ??= new CpuActivationQuant();
        long elements = (long)rows * k;
        if (a._q.Length < elements)
        {
            a._q = GC.AllocateUninitializedArray<sbyte>(checked((int)elements), pinned: true);
            a._scales = GC.AllocateUninitializedArray<float>((int)(elements / BlockLength), pinned: true);
            a._sums = GC.AllocateUninitializedArray<float>((int)(elements / GroupLength), pinned: true);
            a._blockSums = GC.AllocateUninitializedArray<short>((int)(elements / BlockLength), pinned: true);
            a._intSums = GC.AllocateUninitializedArray<short>((int)(elements / GroupLength), pinned: true);
        }
        a.K = k;
        a.Blocks = blocks;
        return a;
    }

    /// <summary>Row length (a multiple of <see cref="BlockLength"/>).</summary>
    public int K { get; private set; }

    /// <summary>The activation type rows are quantized as.</summary>
    public ActivationBlocks Blocks { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public sbyte* Q(int row) => (sbyte*)Unsafe.AsPointer(ref _q[0]) + (long)row * K;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Scales(int row) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)row * (K / BlockLength);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* GroupSums(int row) => (float*)Unsafe.AsPointer(ref _sums[0]) + (long)row * (K / GroupLength);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short* BlockSums(int row) => (short*)Unsafe.AsPointer(ref _blockSums[0]) + (long)row * (K / BlockLength);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short* IntGroupSums(int row) => (short*)Unsafe.AsPointer(ref _intSums[0]) + (long)row * (K / GroupLength);

    /// <summary>Quantizes row <paramref name="row"/> from <paramref name="x"/> (K floats).</summary>
    public void Quantize(int row, float* x)
    {
        if (Blocks == ActivationBlocks.Q8_K) QuantizeQ8K(row, x);
        else QuantizeQ8(row, x, Blocks == ActivationBlocks.Q8_1);
    }

    /// <summary>Q8_0 / Q8_1 blocks of 32 (see the class summary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void QuantizeQ8(int row, float* x, bool blockSum)
    {
        sbyte* q = Q(row);
        float* scales = Scales(row), sums = GroupSums(row);
        short* blockSums = BlockSums(row), intSums = IntGroupSums(row);
        for (int b = 0; b < K / BlockLength; b++)
        {
            float* xb = x + b * BlockLength;
            float amax = AbsMax(xb, BlockLength);
            float d = amax / MaxQuant, id = amax != 0 ? MaxQuant / amax : 0f;
            float d16 = (float)(Half)d;
            scales[b] = d16;
            Round(xb, id, q + b * BlockLength, out int s0, out int s1);
            blockSums[b] = (short)(s0 + s1);
            intSums[2 * b] = (short)s0;
            intSums[2 * b + 1] = (short)s1;
            if (blockSum)
            {
                sums[2 * b] = (float)(Half)(d * (s0 + s1));
                sums[2 * b + 1] = 0;
            }
            else
            {
                sums[2 * b] = d16 * s0;
                sums[2 * b + 1] = d16 * s1;
            }
        }
    }

    /// <summary>Q8_K blocks of 256 (see the class summary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void QuantizeQ8K(int row, float* x)
    {
        sbyte* q = Q(row);
        float* scales = Scales(row), sums = GroupSums(row);
        short* blockSums = BlockSums(row), intSums = IntGroupSums(row);
        const int per = SuperBlockLength / BlockLength;
        for (int sb = 0; sb < K / SuperBlockLength; sb++)
        {
            float* xs = x + sb * SuperBlockLength;
            // The first element of largest magnitude, with its sign (ggml keeps the first on ties).
            float amax = AbsMax(xs, SuperBlockLength), max = 0;
            for (int i = 0; i < SuperBlockLength; i++)
                if (MathF.Abs(xs[i]) == amax) { max = xs[i]; break; }
            float iscale = amax != 0 ? -MaxQuant / max : 0f, d = amax != 0 ? 1f / iscale : 0f;
            for (int b = sb * per; b < (sb + 1) * per; b++)
            {
                Round(x + b * BlockLength, iscale, q + b * BlockLength, out int s0, out int s1);
                blockSums[b] = (short)(s0 + s1);
                intSums[2 * b] = (short)s0;
                intSums[2 * b + 1] = (short)s1;
                scales[b] = d;
                sums[2 * b] = d * s0;
                sums[2 * b + 1] = d * s1;
            }
        }
    }

    /// <summary>max |x[i]| over <paramref name="n"/> (a multiple of 32) elements.</summary>
    private static float AbsMax(float* x, int n)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256<float>.Zero;
            for (int i = 0; i < n; i += 8) m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + i)));
            return MathF.Max(MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3])), MathF.Max(MathF.Max(m[4], m[5]), MathF.Max(m[6], m[7])));
        }
        float amax = 0;
        for (int i = 0; i < n; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        return amax;
    }

    /// <summary>
    /// q[i] = min(127, round_half_even(x[i] · scale)) for 32 elements; s0, s1 = Σq of each half. The min only bites on
    /// Q8_K, where ggml clamps +127.5-ish products of a float iscale; the Q8_0 products stay within ±127.
    /// </summary>
    private static void Round(float* xb, float scale, sbyte* qb, out int s0, out int s1)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var mul = Vector256.Create(scale);
            var top = Vector256.Create(127);
            var i0 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb) * mul)), top);
            var i1 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 8) * mul)), top);
            var i2 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 16) * mul)), top);
            var i3 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 24) * mul)), top);
            var lo = Vector256.Narrow(i0, i1);          // 16 × int16, elements 0..15 in order
            var hi = Vector256.Narrow(i2, i3);
            Vector256.Narrow(lo, hi).Store(qb);          // 32 × int8
            s0 = Vector256.Sum(i0 + i1);
            s1 = Vector256.Sum(i2 + i3);
            return;
        }
        s0 = s1 = 0;
        for (int i = 0; i < BlockLength; i++)
        {
            int v = Math.Min(127, (int)MathF.Round(xb[i] * scale));
            qb[i] = (sbyte)v;
            if (i < GroupLength) s0 += v; else s1 += v;
        }
    }
}

/// <summary>ggml's activation block types for integer dot products (see <see cref="CpuActivationQuant"/>).</summary>
internal enum ActivationBlocks
{
    /// <summary>32 int8 with an fp16 scale.</summary>
    Q8_0,
    /// <summary>Q8_0 plus an fp16 d·Σq per block, for weight formats with a minimum.</summary>
    Q8_1,
    /// <summary>256 int8 with an fp32 scale.</summary>
    Q8_K,
}
