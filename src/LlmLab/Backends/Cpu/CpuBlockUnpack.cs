using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Unpacks one row of a ggml block format into the form the integer kernels of <see cref="CpuQuantMatMul"/>
/// read: k int8 values q, and per 16-element group g a scale s[g] and (for formats with minimums) an offset
/// o[g], so that element e of group g is w = s[g]·q[e] + o[g]. Every format fits: offsets such as Q4_0's −8
/// or Q6_K's −32 stay in q (signed), table formats (IQ4_NL, IQ4_XS, MXFP4) put the table value in q, and
/// Q4_1/Q5_1/Q2_K/Q4_K/Q5_K keep q unsigned with o = the block's minimum term.
/// Float products are formed as ggml's <c>dequantize_row_*</c> forms them (d·sc first, then ·q, then − m),
/// so <see cref="ToSingle"/> reproduces ggml's dequantization bit for bit. Layouts: ggml-common.h; the
/// 32-element types here, the K-quants in <c>CpuBlockUnpack.KQuants.cs</c>.
/// </summary>
internal static unsafe partial class CpuBlockUnpack
{
    /// <summary>Elements per scale group in the unpacked form.</summary>
    public const int GroupLength = 16;

    /// <summary>ggml's kvalues_iq4nl: the non-linear 4-bit code book of IQ4_NL and IQ4_XS.</summary>
    private static readonly sbyte[] Iq4Values = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>ggml's kvalues_mxfp4: E2M1 values doubled (so they are integers); the E8M0 scale is halved to match.</summary>
    private static readonly sbyte[] Mxfp4Values = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

    /// <summary>For each byte b, eight bytes holding 0x10 where bit i of b is set: spreads a 5th-bit mask over 8 elements.</summary>
    private static readonly ulong[] FifthBits = BuildFifthBits();

    /// <summary>Eight bytes holding 0x10 where bit i of <paramref name="bits"/> is set.</summary>
    internal static ulong FifthBitsOf(byte bits) => FifthBits[bits];

    /// <summary><see cref="Iq4Values"/> and <see cref="Mxfp4Values"/> as vectors for byte shuffles.</summary>
    internal static readonly Vector128<sbyte> Iq4Table = Vector128.Create(Iq4Values), Mxfp4Table = Vector128.Create(Mxfp4Values);

    private static ulong[] BuildFifthBits()
    {
        var t = new ulong[256];
        for (int b = 0; b < 256; b++)
            for (int i = 0; i < 8; i++)
                if ((b >> i & 1) != 0) t[b] |= 0x10UL << (8 * i);
        return t;
    }

    /// <summary>The formats this unpacker (and so the CPU matmul) reads.</summary>
    public static bool Supports(TensorFormat f) => f is TensorFormat.Q8_0 or TensorFormat.Q4_0 or TensorFormat.Q4_1 or TensorFormat.Q5_0
        or TensorFormat.Q5_1 or TensorFormat.Q2_K or TensorFormat.Q3_K or TensorFormat.Q4_K or TensorFormat.Q5_K or TensorFormat.Q6_K
        or TensorFormat.IQ4_NL or TensorFormat.IQ4_XS or TensorFormat.MXFP4;

    /// <summary>True when the format's groups carry an offset (a minimum), so the kernels add Σ o[g]·Σx.</summary>
    public static bool HasOffsets(TensorFormat f) => f is TensorFormat.Q4_1 or TensorFormat.Q5_1 or TensorFormat.Q2_K or TensorFormat.Q4_K or TensorFormat.Q5_K;

    /// <summary>
    /// Unpacks <paramref name="k"/> elements (whole blocks) at <paramref name="src"/>: q [k], scale [k/16], offset [k/16]
    /// (written only when <see cref="HasOffsets"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(TensorFormat f, byte* src, int k, sbyte* q, float* scale, float* offset)
    {
        // One loop per format, so the per-block work (32 elements for the small types) carries no dispatch.
        int blocks = k / f.BlockLength(), bytes = f.BytesPerBlock(), groups = f.BlockLength() / GroupLength;
        switch (f)
        {
            case TensorFormat.Q8_0: for (int b = 0; b < blocks; b++) Q8_0(src + b * bytes, q + 32 * b, scale + 2 * b); break;
            case TensorFormat.Q4_0: for (int b = 0; b < blocks; b++) Q4_0(src + b * bytes, q + 32 * b, scale + 2 * b); break;
            case TensorFormat.Q4_1: for (int b = 0; b < blocks; b++) Q4_1(src + b * bytes, q + 32 * b, scale + 2 * b, offset + 2 * b); break;
            case TensorFormat.Q5_0: for (int b = 0; b < blocks; b++) Q5(src + b * bytes, q + 32 * b, scale + 2 * b, null); break;
            case TensorFormat.Q5_1: for (int b = 0; b < blocks; b++) Q5(src + b * bytes, q + 32 * b, scale + 2 * b, offset + 2 * b); break;
            case TensorFormat.IQ4_NL: for (int b = 0; b < blocks; b++) Table(Half(src + b * bytes), src + b * bytes + 2, Iq4Values, q + 32 * b, scale + 2 * b); break;
            case TensorFormat.MXFP4: for (int b = 0; b < blocks; b++) Table(E8M0Half(src[b * bytes]), src + b * bytes + 1, Mxfp4Values, q + 32 * b, scale + 2 * b); break;
            case TensorFormat.Q2_K: for (int b = 0; b < blocks; b++) Q2_K(src + b * bytes, q + 256 * b, scale + groups * b, offset + groups * b); break;
            case TensorFormat.Q3_K: for (int b = 0; b < blocks; b++) Q3_K(src + b * bytes, q + 256 * b, scale + groups * b); break;
            case TensorFormat.Q4_K: for (int b = 0; b < blocks; b++) Q4_K(src + b * bytes, q + 256 * b, scale + groups * b, offset + groups * b); break;
            case TensorFormat.Q5_K: for (int b = 0; b < blocks; b++) Q5_K(src + b * bytes, q + 256 * b, scale + groups * b, offset + groups * b); break;
            case TensorFormat.Q6_K: for (int b = 0; b < blocks; b++) Q6_K(src + b * bytes, q + 256 * b, scale + groups * b); break;
            case TensorFormat.IQ4_XS: for (int b = 0; b < blocks; b++) IQ4_XS(src + b * bytes, q + 256 * b, scale + groups * b); break;
            default: throw new NotSupportedException($"the CPU kernels do not read {f}");
        }
    }

    /// <summary>Decodes <paramref name="k"/> elements to fp32 through the unpacked form (the embedding gather uses this).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(TensorFormat f, byte* src, int k, Span<float> destination)
    {
        var q = CpuScratch.Bytes(k);
        var s = CpuScratch.FloatsA(2 * (k / GroupLength));
        fixed (sbyte* qp = q)
        fixed (float* sp = s)
        {
            float* op = sp + k / GroupLength;
            Row(f, src, k, qp, sp, op);
            bool offsets = HasOffsets(f);
            for (int e = 0; e < k; e++)
            {
                int g = e / GroupLength;
                float v = sp[g] * qp[e];
                destination[e] = offsets ? v + op[g] : v;
            }
        }
    }

    /// <summary>
    /// fp16 at <paramref name="p"/> to fp32, exactly, without branches for finite values: the 15 magnitude bits moved
    /// to fp32's position are the value × 2^-112 (subnormal halves land on subnormal floats and scale correctly);
    /// all-ones exponents (inf, NaN) keep all-ones. About 6 instructions against ~20 for <c>(float)Half</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Half(byte* p)
    {
        uint h = *(ushort*)p;
        uint magnitude = (h & 0x7FFFu) << 13;
        float f = BitConverter.UInt32BitsToSingle(magnitude) * TwoTo112;
        if (magnitude >= 0x0F800000u) f = BitConverter.UInt32BitsToSingle(magnitude | 0x7F800000u);
        return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(f) | (h & 0x8000u) << 16);
    }

    /// <summary>2^112: fp16's exponent bias (15) moved to fp32's (127).</summary>
    private const float TwoTo112 = 5.192296858534828e33f;

    // ggml_e8m0_to_fp32_half: 2^(e − 128), with e = 0, 1 as the subnormals 2^-128, 2^-127.
    internal static float E8M0Half(byte e) => BitConverter.UInt32BitsToSingle(e < 2 ? 0x00200000u << e : (uint)(e - 1) << 23);

    // block_q8_0: d (fp16), qs[32] int8 → d·q.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q8_0(byte* b, sbyte* q, float* s)
    {
        float d = Half(b);
        Vector256.Load(b + 2).Store((byte*)q);
        s[0] = s[1] = d;
    }

    // block_q4_0: d, qs[16]: element j = low nibble of qs[j] − 8, element j + 16 = high nibble − 8.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q4_0(byte* b, sbyte* q, float* s)
    {
        SplitNibbles(b + 2, q, 8);
        s[0] = s[1] = Half(b);
    }

    // block_q4_1: d, m, qs[16] → d·nibble + m.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q4_1(byte* b, sbyte* q, float* s, float* o)
    {
        SplitNibbles(b + 4, q, 0);
        s[0] = s[1] = Half(b);
        o[0] = o[1] = Half(b + 2);
    }

    // block_q5_0: d, qh (u32: bit j = 5th bit of element j), qs[16] → d·(q5 − 16); block_q5_1: d, m, qh, qs → d·q5 + m.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q5(byte* b, sbyte* q, float* s, float* o)
    {
        byte* qh = o is null ? b + 2 : b + 4;
        SplitNibbles(qh + 4, q, 0);
        ulong* hi = (ulong*)q;
        for (int i = 0; i < 4; i++) hi[i] |= FifthBits[qh[i]];
        if (o is null)
            for (int i = 0; i < 32; i++) q[i] -= 16;
        s[0] = s[1] = Half(b);
        if (o is not null) o[0] = o[1] = Half(b + 2);
    }

    // IQ4_NL (d, qs[16]) and MXFP4 (e, qs[16]): nibbles index a 16-entry table, low nibbles first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Table(float d, byte* qs, sbyte[] table, sbyte* q, float* s)
    {
        LookUp(qs, table, q);
        s[0] = s[1] = d;
    }

    /// <summary>16 bytes → 32 table values: q[j] = table[qs[j] &amp; 15], q[j + 16] = table[qs[j] &gt;&gt; 4].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LookUp(byte* qs, sbyte[] table, sbyte* q)
    {
        if (Ssse3.IsSupported)
        {
            var t = Vector128.Create(table);
            var v = Vector128.Load(qs);
            Ssse3.Shuffle(t, (v & Vector128.Create((byte)0x0F)).AsSByte()).Store(q);
            Ssse3.Shuffle(t, Vector128.ShiftRightLogical(v, 4).AsSByte()).Store(q + 16);
            return;
        }
        for (int j = 0; j < 16; j++)
        {
            q[j] = table[qs[j] & 0x0F];
            q[j + 16] = table[qs[j] >> 4];
        }
    }

    /// <summary>16 bytes → 32 values: q[j] = (qs[j] &amp; 15) − bias, q[j + 16] = (qs[j] &gt;&gt; 4) − bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SplitNibbles(byte* qs, sbyte* q, byte bias)
    {
        var v = Vector128.Load(qs);
        var b = Vector128.Create(bias);
        ((v & Vector128.Create((byte)0x0F)) - b).Store((byte*)q);
        (Vector128.ShiftRightLogical(v, 4) - b).Store((byte*)q + 16);
    }
}
