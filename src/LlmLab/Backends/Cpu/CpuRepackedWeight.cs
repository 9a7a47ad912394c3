using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// A copy of a Q4_0, Q8_0, Q4_K, Q5_K or Q6_K weight matrix with its rows interleaved sixteen at a time (llama.cpp's REPACK idea, in a
/// layout of our own), made once at load for <see cref="CpuRepackedMatMul"/>. Why: the row-by-row kernels decode
/// each block's scale and nibbles once per W row and multiply 64 elements of one row per instruction pair, so every
/// 4 elements end in an int32 → fp32 conversion and a scale product; here an int32 lane belongs to one W row, a
/// 512-bit multiply covers 4 elements of 16 rows against one broadcast activation word, and the integer sums run over
/// a whole block (Q4_0) or super-block (Q4_K) before one conversion per 16 rows. The integer block sums are the same
/// exact sums the other kernels form, so results differ from theirs only in the order of float additions.
///
/// Layout, for each group of <see cref="GroupRows"/> W rows (rows 16g … 16g + 15), stored one group after the other:
/// <list type="bullet">
/// <item>Q4_0, per 32-element block b: the 16 rows' fp16 d (32 bytes), then 4 vectors of 64 bytes; vector t holds in
/// bytes 4r … 4r + 3 row r's unsigned nibbles u = q + 8 of elements 4t … 4t + 3 (low nibbles) and 16 + 4t … 16 + 4t + 3
/// (high nibbles). 288 bytes per block and group: the size of the 16 original rows.</item>
/// <item>Q8_0, per 32-element block: the 16 rows' fp16 d (32 bytes), then 8 vectors of 64 bytes; vector t holds in bytes
/// 4r … 4r + 3 row r's int8 q of elements 4t … 4t + 3. 544 bytes: the size of the 16 original rows.</item>
/// <item>Q4_K, per 256-element super-block: the 16 rows' fp16 d (32 bytes) and dmin (32 bytes); the 6-bit scales as
/// bytes [sub-block j][row r] (128 bytes); the 6-bit mins as bytes [pair p][row r][2] = m of sub-blocks 2p, 2p + 1 (128
/// bytes); then per sub-block j the 4 nibble vectors of the Q4_0 layout (2048 bytes). 2368 bytes against the original
/// 16 × 144 = 2304 (+2.8 %: the scales and mins unpacked to bytes).</item>
/// <item>Q5_K, per 256-element super-block: Q4_K's layout, each sub-block's 4 nibble vectors followed by one vector of
/// fifth bits: byte 4r + i holds in bit t the fifth bit of element 32j + 4t + i of row r and in bit 4 + t that of element
/// 32j + 16 + 4t + i (t = 0 … 3). 2880 bytes against the original 16 × 176 = 2816 (+2.3 %).</item>
/// <item>Q6_K, per 256-element super-block: the 16 rows' fp16 d (32 bytes); the int8 group scales as bytes
/// [group g][row r] (256 bytes); then per 32-element block j: the low 4 bits of u = q + 32 in the 4 nibble vectors of
/// the Q4_0 layout (256 bytes) and their top 2 bits in 2 vectors (128 bytes): byte 4r + i of the first holds in bits
/// 2t, 2t + 1 the top bits of element 32j + 4t + i of row r, the second those of element 32j + 16 + 4t + i. 3360 bytes,
/// the size of the 16 original rows.</item>
/// </list>
/// Rows past the last whole group (Rows % 16) are not copied: the kernels read them from the original blocks. The copy
/// lives in 2 MiB pages where Linux gives them (<see cref="HugePages"/>): decode streams all of it once per token.
/// </summary>
internal sealed unsafe class CpuRepackedWeight : IDisposable
{
    /// <summary>W rows interleaved per group: one int32 lane per row of a 512-bit vector.</summary>
    public const int GroupRows = 16;

    /// <summary>One 512-bit vector of the layout: 4 bytes of each of the 16 rows.</summary>
    public const int VectorBytes = 64;

    /// <summary>Where a Q4_0 / Q8_0 block's quant vectors start, after its 16 fp16 scales (the same in Q4_K and Q6_K super-blocks, d first).</summary>
    public const int ScalesBytes = GroupRows * 2;

    /// <summary>Q4_K super-block offsets: dmin after d, the 6-bit scales [j][r], the mins [p][r][2], then the nibbles.</summary>
    public const int Q4_KDmin = ScalesBytes, Q4_KScales = 2 * ScalesBytes, Q4_KMins = Q4_KScales + 8 * GroupRows, Q4_KQuants = Q4_KMins + 8 * GroupRows;

    /// <summary>Q4_K / Q4_0 bytes of one 32-element (sub-)block's 4 nibble vectors.</summary>
    public const int NibbleBlockBytes = 4 * VectorBytes;

    /// <summary>Q6_K super-block offsets: the int8 group scales [g][r] after d, then the 8 blocks; in a block the 2 top-bit vectors follow the nibbles.</summary>
    public const int Q6_KScales = ScalesBytes, Q6_KBlocks = Q6_KScales + 16 * GroupRows, Q6_KTopBits = NibbleBlockBytes;

    /// <summary>Q4_0 bytes per 32-element block of a group: 16 fp16 scales + 16 rows × 16 nibble bytes.</summary>
    public const int Q4_0BlockBytes = GroupRows * 2 + GroupRows * 16;

    /// <summary>Q8_0 bytes per 32-element block of a group: 16 fp16 scales + 16 rows × 32 int8.</summary>
    public const int Q8_0BlockBytes = GroupRows * 2 + GroupRows * 32;

    /// <summary>Q4_K bytes per super-block of a group: d, dmin (fp16 ×16 each), scales and mins (16 × 8 bytes each), nibbles.</summary>
    public const int Q4_KSuperBlockBytes = 2 * GroupRows * 2 + 2 * GroupRows * 8 + GroupRows * 128;

    /// <summary>Q5_K bytes per 32-element sub-block of a group: 4 nibble vectors and the fifth-bit vector (at <see cref="NibbleBlockBytes"/>).</summary>
    public const int Q5_KBlockBytes = 5 * VectorBytes;

    /// <summary>Q5_K bytes per super-block of a group: Q4_K's d, dmin, scales and mins, then 8 sub-blocks of 320 bytes.</summary>
    public const int Q5_KSuperBlockBytes = Q4_KQuants + 8 * Q5_KBlockBytes;

    /// <summary>Q6_K bytes per super-block of a group: d (fp16 ×16), scales (16 × 16 bytes), 8 blocks of 384 bytes.</summary>
    public const int Q6_KSuperBlockBytes = Q6_KBlocks + 8 * Q6_KBlockBytes;

    /// <summary>Q6_K bytes per 32-element block of a group: 4 nibble vectors and 2 vectors of top bits.</summary>
    public const int Q6_KBlockBytes = 6 * VectorBytes;

    private byte* _data;

    private CpuRepackedWeight(TensorFormat format, int groups, int cols, long groupBytes)
    {
        Format = format;
        Groups = groups;
        Cols = cols;
        GroupBytes = groupBytes;
        Bytes = groupBytes * groups;
        _data = HugePages.Allocate(Bytes);
    }

    /// <summary>The original format (Q4_0, Q8_0, Q4_K, Q5_K or Q6_K).</summary>
    public TensorFormat Format { get; }

    /// <summary>Whole groups of 16 rows held here; rows from 16·Groups on stay in the original blocks.</summary>
    public int Groups { get; }

    /// <summary>Elements per row (k).</summary>
    public int Cols { get; }

    /// <summary>Bytes of one group (k/32 · 288 for Q4_0, k/32 · 544 for Q8_0, k/256 · 2368 for Q4_K, k/256 · 3360 for Q6_K).</summary>
    public long GroupBytes { get; }

    /// <summary>Bytes of the copy (what the memory ledger counts for the repacked rows).</summary>
    public long Bytes { get; }

    /// <summary>Group <paramref name="g"/>'s bytes.</summary>
    public byte* Group(int g) => _data + g * GroupBytes;

    /// <summary>True when this machine runs the repacked kernels (AVX-512BW) and the format has a layout here.</summary>
    public static bool Supports(TensorFormat format) => Avx512BW.IsSupported && format is TensorFormat.Q4_0 or TensorFormat.Q8_0 or TensorFormat.Q4_K or TensorFormat.Q5_K or TensorFormat.Q6_K;

    /// <summary>
    /// The repacked copy of the whole groups of <paramref name="rows"/> rows at <paramref name="source"/> (row-major ggml
    /// blocks, <paramref name="cols"/> elements each), or null when there is no whole group or no kernel for the format.
    /// </summary>
    public static CpuRepackedWeight? Create(TensorFormat format, byte* source, int rows, int cols)
    {
        if (!Supports(format) || rows < GroupRows || !format.DividesRow(cols)) return null;
        int groups = rows / GroupRows;
        long groupBytes = format switch
        {
            TensorFormat.Q4_0 => (long)(cols / 32) * Q4_0BlockBytes,
            TensorFormat.Q8_0 => (long)(cols / 32) * Q8_0BlockBytes,
            TensorFormat.Q4_K => (long)(cols / 256) * Q4_KSuperBlockBytes,
            TensorFormat.Q5_K => (long)(cols / 256) * Q5_KSuperBlockBytes,
            _ => (long)(cols / 256) * Q6_KSuperBlockBytes,
        };
        var w = new CpuRepackedWeight(format, groups, cols, groupBytes);
        long rowBytes = format.RowBytes(cols);
        // Each group is independent; a 1B model's ~0.7 GB repacks in parallel at load.
        CpuParallel.For(groups, groupBytes * 16, g =>
        {
            byte* first = source + (long)g * GroupRows * rowBytes;
            if (format == TensorFormat.Q4_0) PackQ4_0(first, rowBytes, cols, w.Group(g));
            else if (format == TensorFormat.Q8_0) PackQ8_0(first, rowBytes, cols, w.Group(g));
            else if (format == TensorFormat.Q4_K) PackQ4_K(first, rowBytes, cols, w.Group(g));
            else if (format == TensorFormat.Q5_K) PackQ5_K(first, rowBytes, cols, w.Group(g));
            else PackQ6_K(first, rowBytes, cols, w.Group(g));
        });
        return w;
    }

    /// <summary>One group of 16 Q4_0 rows into the layout of the class summary.</summary>
    private static void PackQ4_0(byte* first, long rowBytes, int cols, byte* dst)
    {
        for (int b = 0; b < cols / 32; b++, dst += Q4_0BlockBytes)
            for (int r = 0; r < GroupRows; r++)
            {
                byte* block = first + r * rowBytes + b * 18;
                ((ushort*)dst)[r] = *(ushort*)block;
                // Original byte i holds element i (low nibble) and element 16 + i (high): exactly this layout's pairing.
                for (int t = 0; t < 4; t++)
                    *(uint*)(dst + ScalesBytes + VectorBytes * t + 4 * r) = *(uint*)(block + 2 + 4 * t);
            }
    }

    /// <summary>One group of 16 Q8_0 rows into the layout of the class summary.</summary>
    private static void PackQ8_0(byte* first, long rowBytes, int cols, byte* dst)
    {
        for (int b = 0; b < cols / 32; b++, dst += Q8_0BlockBytes)
            for (int r = 0; r < GroupRows; r++)
            {
                byte* block = first + r * rowBytes + b * 34;
                ((ushort*)dst)[r] = *(ushort*)block;
                for (int t = 0; t < 8; t++)
                    *(uint*)(dst + ScalesBytes + VectorBytes * t + 4 * r) = *(uint*)(block + 2 + 4 * t);
            }
    }

    /// <summary>One group of 16 Q4_K rows into the layout of the class summary.</summary>
    private static void PackQ4_K(byte* first, long rowBytes, int cols, byte* dst)
    {
        byte* u = stackalloc byte[256];
        for (int sb = 0; sb < cols / 256; sb++, dst += Q4_KSuperBlockBytes)
            for (int r = 0; r < GroupRows; r++)
            {
                byte* block = first + r * rowBytes + sb * 144;
                PackScalesAndMins(block, r, dst);
                // Chunk c (32 bytes) holds sub-block 2c in its low nibbles and 2c + 1 in its high nibbles.
                for (int c = 0; c < 4; c++)
                    for (int i = 0; i < 32; i++)
                    {
                        byte v = block[16 + 32 * c + i];
                        u[64 * c + i] = (byte)(v & 0x0F);
                        u[64 * c + 32 + i] = (byte)(v >> 4);
                    }
                for (int j = 0; j < 8; j++) PackNibbles(u, j, r, dst + Q4_KQuants + NibbleBlockBytes * j);
            }
    }

    /// <summary>
    /// Row r's part of 32-element block j of the unpacked values <paramref name="u"/> (their low 4 bits) in the group's
    /// nibble block: step t's 4-byte lane r holds elements 4t … 4t + 3 in its low nibbles and 16 + 4t … in its high ones.
    /// </summary>
    private static void PackNibbles(byte* u, int j, int r, byte* nibbles)
    {
        for (int t = 0; t < 4; t++)
            for (int i = 0; i < 4; i++)
                nibbles[VectorBytes * t + 4 * r + i] = (byte)((u[32 * j + 4 * t + i] & 0x0F) | (u[32 * j + 16 + 4 * t + i] & 0x0F) << 4);
    }

    /// <summary>Row r's d, dmin and 6-bit scales and mins of one Q4_K/Q5_K super-block (the same 16-byte header) into the group's.</summary>
    private static void PackScalesAndMins(byte* block, int r, byte* dst)
    {
        ((ushort*)dst)[r] = *(ushort*)block;
        ((ushort*)(dst + Q4_KDmin))[r] = *(ushort*)(block + 2);
        for (int j = 0; j < 8; j++)
        {
            var (scale, min) = CpuBlockUnpack.ScaleMin(block + 4, j);
            dst[Q4_KScales + GroupRows * j + r] = (byte)scale;
            dst[Q4_KMins + 2 * GroupRows * (j / 2) + 2 * r + (j & 1)] = (byte)min;
        }
    }

    /// <summary>One group of 16 Q5_K rows into the layout of the class summary.</summary>
    private static void PackQ5_K(byte* first, long rowBytes, int cols, byte* dst)
    {
        byte* u = stackalloc byte[256];
        for (int sb = 0; sb < cols / 256; sb++, dst += Q5_KSuperBlockBytes)
            for (int r = 0; r < GroupRows; r++)
            {
                byte* block = first + r * rowBytes + sb * 176, qh = block + 16, qs = block + 48;
                PackScalesAndMins(block, r, dst);
                // Chunk c (32 bytes) holds sub-block 2c in its low nibbles and 2c + 1 in its high nibbles; bits 2c and
                // 2c + 1 of qh[i] are their fifth bits.
                for (int c = 0; c < 4; c++)
                    for (int i = 0; i < 32; i++)
                    {
                        byte v = qs[32 * c + i];
                        u[64 * c + i] = (byte)((v & 0x0F) | ((qh[i] >> (2 * c)) & 1) << 4);
                        u[64 * c + 32 + i] = (byte)((v >> 4) | ((qh[i] >> (2 * c + 1)) & 1) << 4);
                    }
                for (int j = 0; j < 8; j++)
                {
                    byte* nibbles = dst + Q4_KQuants + Q5_KBlockBytes * j, fifth = nibbles + NibbleBlockBytes;
                    PackNibbles(u, j, r, nibbles);
                    for (int t = 0; t < 4; t++)
                        for (int i = 0; i < 4; i++)
                        {
                            byte lo = u[32 * j + 4 * t + i], hi = u[32 * j + 16 + 4 * t + i];
                            if (t == 0) fifth[4 * r + i] = 0;
                            fifth[4 * r + i] |= (byte)((lo >> 4) << t | (hi >> 4) << (4 + t));
                        }
                }
            }
    }

    /// <summary>One group of 16 Q6_K rows into the layout of the class summary.</summary>
    private static void PackQ6_K(byte* first, long rowBytes, int cols, byte* dst)
    {
        byte* u = stackalloc byte[256];
        for (int sb = 0; sb < cols / 256; sb++, dst += Q6_KSuperBlockBytes)
            for (int r = 0; r < GroupRows; r++)
            {
                byte* block = first + r * rowBytes + sb * 210, ql = block, qh = block + 128;
                ((ushort*)dst)[r] = *(ushort*)(block + 208);
                for (int g = 0; g < 16; g++) dst[Q6_KScales + GroupRows * g + r] = block[192 + g];
                // ggml's element order: half h (128 elements) takes ql[64h ..], qh[32h ..]; element 128h + 32s + l
                // (s = 0 … 3, l < 32) is the low (s < 2) or high (s ≥ 2) nibble of ql[64h + 32(s & 1) + l], with bits
                // 2s, 2s + 1 of qh[32h + l] on top.
                for (int h = 0; h < 2; h++)
                    for (int l = 0; l < 32; l++)
                    {
                        byte a = ql[64 * h + l], c = ql[64 * h + 32 + l], hb = qh[32 * h + l];
                        u[128 * h + l] = (byte)((a & 0x0F) | (hb & 3) << 4);
                        u[128 * h + 32 + l] = (byte)((c & 0x0F) | ((hb >> 2) & 3) << 4);
                        u[128 * h + 64 + l] = (byte)((a >> 4) | ((hb >> 4) & 3) << 4);
                        u[128 * h + 96 + l] = (byte)((c >> 4) | ((hb >> 6) & 3) << 4);
                    }
                for (int j = 0; j < 8; j++)
                {
                    byte* nibbles = dst + Q6_KBlocks + Q6_KBlockBytes * j, top = nibbles + Q6_KTopBits;
                    PackNibbles(u, j, r, nibbles);
                    for (int t = 0; t < 4; t++)
                        for (int i = 0; i < 4; i++)
                        {
                            byte lo = u[32 * j + 4 * t + i], hi = u[32 * j + 16 + 4 * t + i];
                            if (t == 0) { top[4 * r + i] = 0; top[VectorBytes + 4 * r + i] = 0; }
                            top[4 * r + i] |= (byte)((lo >> 4) << (2 * t));
                            top[VectorBytes + 4 * r + i] |= (byte)((hi >> 4) << (2 * t));
                        }
                }
            }
    }

    public void Dispose()
    {
        if (_data is null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
