// gemv_quant.cu: products with ggml block-format weights read directly from their blocks (no dequantized copy).
//
// Compiled once per format with -DQFORMAT=<n> (the QF_* ids below) and the compute type ACT_TYPE. Layout on the
// device: row r of W [m, k] is k/QK blocks as ggml stores them (RowBytes), rows at a stride rounded up to 16 bytes
// (0..15 zero bytes after rows whose length is not a multiple of 16), so every row starts 16-byte aligned.
// FP8 (QF_FP8) rows are k E4M3 codes (read as blocks of 32 codes with no block scale) followed by the row's fp32
// scale (QROW_SCALE): dequant_rows multiplies each element by it, and fp8_prefill_operands feeds the FP8 tensor cores;
// FP8 decode products run in gemv.cu (GEMV_FP8), whose 16-byte loads fit rows of one-byte codes directly.
//
//  - qgemv<N>_act / _f32: y[n, m] = x[n, k] · Wᵀ (+ bias) for decode rows (n ≤ 4), up to three products sharing x
//    (q, k, v) in one grid, as gemv.cu's gemv<N>_act. qgemv_gate_up<N>: gate and up rows together with SwiGLU.
//    Each warp streams its row in tiles of QTILE blocks (a whole number of 16-byte chunks) with 16-byte coalesced
//    loads, the next tile loaded before the current one is used; the tile goes through the warp's own shared memory
//    (blocks of 18, 34 or 210 bytes do not fall on 16-byte lanes), each lane dequantizes 32-element parts of it in
//    registers and multiplies them with x in fp32; the sums are reduced with warp shuffles (and in shared memory
//    over the QG_SPLIT warps of a row). Without QG_Q8X (F32 compute; Q2_K, Q3_K, IQ4_NL, IQ4_XS, MXFP4) x is not
//    rounded: the product is that of the dequantized weights and the given x. With QG_Q8X (BF16/F16 compute) x is
//    first rounded to Q8_0 blocks in shared memory and parts are integer dot products (dp4a), as llama.cpp's MMVQ.
//  - dequant_rows: rows of W (or the rows named by token ids: the embedding gather) dequantized into act_t, for
//    prefill (then cuBLASLt multiplies the workspace) and for a quantized token embedding.
#include "common.cuh"

#define QF_Q8_0 1
#define QF_Q4_0 2
#define QF_Q4_1 3
#define QF_Q5_0 4
#define QF_Q5_1 5
#define QF_Q2_K 6
#define QF_Q3_K 7
#define QF_Q4_K 8
#define QF_Q5_K 9
#define QF_Q6_K 10
#define QF_IQ4_NL 11
#define QF_IQ4_XS 12
#define QF_MXFP4 13
#define QF_FP8 14

#ifndef QFORMAT
#error "compile with -DQFORMAT=<format id> (see QF_* in gemv_quant.cu)"
#endif
#ifndef QG_WARPS
#define QG_WARPS 8      // warps per block
#endif
#ifndef QG_SPLIT
#define QG_SPLIT 1      // warps sharing one output row (tiles of the row dealt round-robin, sums added in shared memory)
#endif
#ifndef QG_STAGES
#define QG_STAGES 1     // 1: the next tile is held in registers; ≥ 2 (sm_80+): a ring of QG_STAGES tiles per warp filled by cp.async
#endif
#define QG_ROWS (QG_WARPS / QG_SPLIT)

// Elements every lane dequantizes at once: each format's blocks split into parts of 32 consecutive elements.
#define QPART 32

// ---- Reading block bytes (shared or global memory; blocks are only 2-byte aligned in general) ----

__device__ __forceinline__ unsigned ld_u8(const unsigned char* p) { return *p; }
__device__ __forceinline__ unsigned ld_u16(const unsigned char* p) { return *reinterpret_cast<const unsigned short*>(p); }
__device__ __forceinline__ float ld_half(const unsigned char* p)
{
    f16 h;
    h.bits = *reinterpret_cast<const unsigned short*>(p);
    return to_float(h);
}

// W little-endian words of the bytes at p, at any alignment: the W + 1 aligned words around them, funnel-shifted (W + 1
// loads instead of 2·W 16-bit ones; the last word may lie up to 3 bytes past the range: tiles and weight buffers
// carry QSLACK bytes of slack for it).
template <int W> __device__ __forceinline__ void ld_words(const unsigned char* p, unsigned (&w)[W])
{
    const size_t address = reinterpret_cast<size_t>(p);
    const unsigned* base = reinterpret_cast<const unsigned*>(address & ~(size_t)3);
    const unsigned shift = (unsigned)(address & 3) * 8;
    unsigned lo = base[0];
#pragma unroll
    for (int i = 0; i < W; i++)
    {
        const unsigned hi = base[i + 1];
        w[i] = __funnelshift_r(lo, hi, shift);
        lo = hi;
    }
}

// The same for byte ranges known to be 16-byte aligned (vector loads).
template <int W> __device__ __forceinline__ void ld_words_aligned16(const unsigned char* p, unsigned (&w)[W])
{
#pragma unroll
    for (int i = 0; i < W; i += 4)
    {
        const uint4 v = *reinterpret_cast<const uint4*>(p + 4 * i);
        w[i] = v.x; w[i + 1] = v.y; w[i + 2] = v.z; w[i + 3] = v.w;
    }
}

// The 32 bytes at p as 8 words; the 16 bytes at p as 4 words.
__device__ __forceinline__ void ld_32bytes(const unsigned char* p, unsigned (&w)[8]) { ld_words<8>(p, w); }
__device__ __forceinline__ void ld_16bytes(const unsigned char* p, unsigned (&w)[4]) { ld_words<4>(p, w); }

// Bytes past the end of a block range ld_words may touch (rounded to whole 16-byte chunks).
#define QSLACK 16

__device__ __forceinline__ int byte_of(const unsigned* w, int i) { return (w[i >> 2] >> ((i & 3) * 8)) & 0xff; }

// (float)v − offset for a small unsigned integer v (< 2^23), without an int→float conversion instruction (16 per clock
// per SM on sm_80/sm_90: fewer than a 4-bit format needs per element at full bandwidth): the bits of 2^23 + v, minus
// 2^23 + offset. Exact for the levels here, so the values are bit-identical to ggml's (float) conversions.
__device__ __forceinline__ float level(unsigned v, float offset) { return __uint_as_float(0x4B000000u | v) - (8388608.0f + offset); }

// Entry i (0..15) of a 16-byte table packed in four words, by two byte permutes (no local-memory array).
__device__ __forceinline__ unsigned table16(unsigned i, unsigned w0, unsigned w1, unsigned w2, unsigned w3)
{
    const unsigned lo = __byte_perm(w0, w1, i & 7), hi = __byte_perm(w2, w3, i & 7);
    return ((i & 8) ? hi : lo) & 0xFF;
}

// The IQ4_NL / IQ4_XS levels (ggml's kvalues_iq4nl: −127 −104 −83 −65 −49 −35 −22 −10 1 13 25 38 53 69 89 113) and the
// MXFP4 E2M1 values in half units (ggml's kvalues_mxfp4: 0 1 2 3 4 6 8 12 and their negatives), each stored + 128.
__device__ __forceinline__ float iq4_level(unsigned i) { return level(table16(i, 0x3F2D1801u, 0x766A5D4Fu, 0xA6998D81u, 0xF1D9C5B5u), 128.0f); }
__device__ __forceinline__ float mxfp4_level(unsigned i) { return level(table16(i, 0x83828180u, 0x8C888684u, 0x7D7E7F80u, 0x74787A7Cu), 128.0f); }

// The 32 weights of a part stored as 16 bytes of nibble pairs (element i in the low nibble of byte i, element i + 16 in
// the high one: Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4), w[e] = value(q_e). With qh, bit e of qh is q_e's 5th bit (Q5_0, Q5_1).
template <typename Value> __device__ __forceinline__ void nibble_part(const unsigned char* qs, unsigned qh, Value value, float (&w)[QPART])
{
    unsigned q[4];
    ld_16bytes(qs, q);
#pragma unroll
    for (int i = 0; i < 16; i++)
    {
        const int v = byte_of(q, i);
        w[i] = value((v & 0xF) | (((qh >> i) & 1) << 4));
        w[i + 16] = value((v >> 4) | (((qh >> (i + 16)) & 1) << 4));
    }
}

// Q4_K / Q5_K: sub-block j's 6-bit scale and min from the 12 packed bytes at q (ggml's get_scale_min_k4).
__device__ __forceinline__ void scale_min_k4(int j, const unsigned char* q, float& sc, float& mn)
{
    if (j < 4)
    {
        sc = (float)(ld_u8(q + j) & 63);
        mn = (float)(ld_u8(q + j + 4) & 63);
    }
    else
    {
        sc = (float)((ld_u8(q + j + 4) & 0xF) | ((ld_u8(q + j - 4) >> 6) << 4));
        mn = (float)((ld_u8(q + j + 4) >> 4) | ((ld_u8(q + j) >> 6) << 4));
    }
}

// ---- Formats: block geometry and the dequantization of part p (elements [32p, 32p + 32) of the block) ----
// QK: elements per block; QBYTES: bytes per block; QPARTS: QK / 32; QTILE: blocks per warp tile (QTILE·QBYTES is a
// whole number of 16-byte chunks, QTILE·QPARTS a multiple of 32 so every lane has the same number of parts).

#if QFORMAT == QF_Q8_0
// d:f16, qs:i8[32]; w = d·q.
#define QK 32
#define QBYTES 34
#define QTILE 64
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = ld_half(b);
    unsigned q[8];
    ld_32bytes(b + 2, q);
#pragma unroll
    for (int i = 0; i < 32; i++) w[i] = d * level(byte_of(q, i) ^ 0x80, 128.0f);   // int8 as (byte ^ 0x80) − 128
}
#elif QFORMAT == QF_Q4_0
// d:f16, qs:u8[16]; element j is the low nibble of qs[j], element j+16 the high one; w = d·(q − 8).
#define QK 32
#define QBYTES 18
#define QTILE 64
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = ld_half(b);
    nibble_part(b + 2, 0, [d](int q) { return d * level(q, 8.0f); }, w);
}
#elif QFORMAT == QF_Q4_1
// d:f16, m:f16, qs:u8[16] (nibbles as Q4_0); w = d·q + m.
#define QK 32
#define QBYTES 20
#define QTILE 64
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = ld_half(b), m = ld_half(b + 2);
    nibble_part(b + 4, 0, [d, m](int q) { return d * level(q, 0.0f) + m; }, w);
}
#elif QFORMAT == QF_Q5_0
// d:f16, qh:u32 (bit j: 5th bit of element j), qs:u8[16] (nibbles as Q4_0); w = d·(q − 16).
#define QK 32
#define QBYTES 22
#define QTILE 64
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = ld_half(b);
    const unsigned qh = ld_u16(b + 2) | (ld_u16(b + 4) << 16);
    nibble_part(b + 6, qh, [d](int q) { return d * level(q, 16.0f); }, w);
}
#elif QFORMAT == QF_Q5_1
// d:f16, m:f16, qh:u32, qs:u8[16]; w = d·q + m.
#define QK 32
#define QBYTES 24
#define QTILE 64
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = ld_half(b), m = ld_half(b + 2);
    const unsigned qh = ld_u16(b + 4) | (ld_u16(b + 6) << 16);
    nibble_part(b + 8, qh, [d, m](int q) { return d * level(q, 0.0f) + m; }, w);
}
#elif QFORMAT == QF_IQ4_NL
// d:f16, qs:u8[16] (nibbles as Q4_0) indexing the non-linear table; w = d·table[q].
#define QK 32
#define QBYTES 18
#define QTILE 64
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = ld_half(b);
    nibble_part(b + 2, 0, [d](int q) { return d * iq4_level(q); }, w);
}
#elif QFORMAT == QF_MXFP4
// e:E8M0 (scale 2^(e − 127)), qs:u8[16] (nibbles as Q4_0) of E2M1 values; w = 2^(e−127) · e2m1(q), the table in
// halves so the scale is 2^(e − 128) (ggml's ggml_e8m0_to_fp32_half).
#define QK 32
#define QBYTES 17
#define QTILE 128
__device__ __forceinline__ float e8m0_half(unsigned e)
{
    // 2^(e − 128) as an fp32 bit pattern; e < 2 needs a subnormal.
    const unsigned bits = e < 2 ? (0x00200000u << e) : ((e - 1) << 23);
    return __uint_as_float(bits);
}
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    const float d = e8m0_half(ld_u8(b));
    nibble_part(b + 1, 0, [d](int q) { return d * mxfp4_level(q); }, w);
}
#elif QFORMAT == QF_Q4_K
// d:f16, dmin:f16, scales:u8[12] (6-bit scale and min per sub-block of 32), qs:u8[128]: each 32 bytes hold
// sub-block 2i in the low nibbles and 2i+1 in the high ones; w = d·sc·q − dmin·mn.
#define QK 256
#define QBYTES 144
#define QTILE 8
__device__ __forceinline__ void dequant_part(const unsigned char* b, int p, float (&w)[QPART])
{
    float sc, mn;
    scale_min_k4(p, b + 4, sc, mn);
    const float d = ld_half(b) * sc, m = ld_half(b + 2) * mn;
    unsigned q[8];
    ld_words_aligned16<8>(b + 16 + 32 * (p >> 1), q);   // blocks of 144 bytes start 16-byte aligned (rows are)
    const int shift = (p & 1) * 4;
#pragma unroll
    for (int i = 0; i < 32; i++) w[i] = d * level((byte_of(q, i) >> shift) & 0xF, 0.0f) - m;
}
#elif QFORMAT == QF_Q5_K
// d:f16, dmin:f16, scales:u8[12], qh:u8[32] (bit p of qh[l]: 5th bit of element 32p + l), qs:u8[128] as Q4_K.
#define QK 256
#define QBYTES 176
#define QTILE 8
__device__ __forceinline__ void dequant_part(const unsigned char* b, int p, float (&w)[QPART])
{
    float sc, mn;
    scale_min_k4(p, b + 4, sc, mn);
    const float d = ld_half(b) * sc, m = ld_half(b + 2) * mn;
    unsigned q[8], h[8];
    ld_words_aligned16<8>(b + 48 + 32 * (p >> 1), q);   // blocks of 176 bytes start 16-byte aligned (rows are)
    ld_words_aligned16<8>(b + 16, h);
    const int shift = (p & 1) * 4;
#pragma unroll
    for (int i = 0; i < 32; i++)
    {
        const int v = ((byte_of(q, i) >> shift) & 0xF) | (((byte_of(h, i) >> p) & 1) << 4);
        w[i] = d * level(v, 0.0f) - m;
    }
}
#elif QFORMAT == QF_Q6_K
// ql:u8[128], qh:u8[64], scales:i8[16], d:f16. In each half (128 elements: ql 64 bytes, qh 32 bytes, 8 scales),
// run i (elements 32i .. 32i+31) takes low nibbles (i < 2) or high nibbles (i ≥ 2) of ql[32·(i%2) + l] and bits
// 2i, 2i+1 of qh[l]; 16 elements share a scale; w = d·sc·(q − 32).
#define QK 256
#define QBYTES 210
#define QTILE 8
__device__ __forceinline__ void dequant_part(const unsigned char* b, int p, float (&w)[QPART])
{
    const int half = p >> 2, i = p & 3;
    const float d = ld_half(b + 208);
    const float d0 = d * (float)(signed char)ld_u8(b + 192 + 8 * half + 2 * i);
    const float d1 = d * (float)(signed char)ld_u8(b + 192 + 8 * half + 2 * i + 1);
    unsigned ql[8], qh[8];
    ld_32bytes(b + 64 * half + 32 * (i & 1), ql);
    ld_32bytes(b + 128 + 32 * half, qh);
    const int lowShift = (i >> 1) * 4, highShift = 2 * i;
#pragma unroll
    for (int l = 0; l < 32; l++)
    {
        const int v = ((byte_of(ql, l) >> lowShift) & 0xF) | (((byte_of(qh, l) >> highShift) & 3) << 4);
        w[l] = (l < 16 ? d0 : d1) * level(v, 32.0f);
    }
}
#elif QFORMAT == QF_Q2_K
// scales:u8[16] (low nibble scale, high nibble min, per 16 elements), qs:u8[64], d:f16, dmin:f16. In each half
// (128 elements, 32 bytes of qs), run i (elements 32i .. 32i+31) is bits 2i, 2i+1 of qs[l]; w = d·sc·q − dmin·mn.
#define QK 256
#define QBYTES 84
#define QTILE 8
__device__ __forceinline__ void dequant_part(const unsigned char* b, int p, float (&w)[QPART])
{
    const int half = p >> 2, i = p & 3;
    const float d = ld_half(b + 80), dmin = ld_half(b + 82);
    const unsigned s0 = ld_u8(b + 8 * half + 2 * i), s1 = ld_u8(b + 8 * half + 2 * i + 1);
    const float d0 = d * (float)(s0 & 0xF), m0 = dmin * (float)(s0 >> 4);
    const float d1 = d * (float)(s1 & 0xF), m1 = dmin * (float)(s1 >> 4);
    unsigned q[8];
    ld_32bytes(b + 16 + 32 * half, q);
#pragma unroll
    for (int l = 0; l < 32; l++)
    {
        const int v = (byte_of(q, l) >> (2 * i)) & 3;
        w[l] = l < 16 ? d0 * level(v, 0.0f) - m0 : d1 * level(v, 0.0f) - m1;
    }
}
#elif QFORMAT == QF_Q3_K
// hmask:u8[32], qs:u8[64], scales:u8[12] (16 six-bit scales, offset 32), d:f16. In each half (32 bytes of qs),
// run i is bits 2i, 2i+1 of qs[l]; the third bit is bit (4·half + i) of hmask[l], and subtracts 4 when clear;
// w = d·(sc − 32)·q.
#define QK 256
#define QBYTES 110
#define QTILE 8
__device__ __forceinline__ int q3k_scale(const unsigned char* s, int j)
{
    // ggml's kmask unpacking: scale j's low 4 bits are nibble (j/8) of byte j%8, its top 2 bits are bits 2·(j/4) of byte 8 + j%4.
    const int low = (ld_u8(s + (j & 7)) >> (4 * (j >> 3))) & 0xF;
    const int high = (ld_u8(s + 8 + (j & 3)) >> (2 * (j >> 2))) & 3;
    return (low | (high << 4)) - 32;
}
__device__ __forceinline__ void dequant_part(const unsigned char* b, int p, float (&w)[QPART])
{
    const int half = p >> 2, i = p & 3;
    const float d = ld_half(b + 108);
    const float d0 = d * (float)q3k_scale(b + 96, 8 * half + 2 * i);
    const float d1 = d * (float)q3k_scale(b + 96, 8 * half + 2 * i + 1);
    unsigned q[8], h[8];
    ld_32bytes(b + 32 + 32 * half, q);
    ld_32bytes(b, h);
    const int bit = 4 * half + i;
#pragma unroll
    for (int l = 0; l < 32; l++)
    {
        // q − 4 when the high bit is clear, q when set: (q | h << 2) − 4.
        const unsigned v = ((byte_of(q, l) >> (2 * i)) & 3) | (((byte_of(h, l) >> bit) & 1) << 2);
        w[l] = (l < 16 ? d0 : d1) * level(v, 4.0f);
    }
}
#elif QFORMAT == QF_IQ4_XS
// d:f16, scales_h:u16 (top 2 bits of each sub-block's scale), scales_l:u8[4] (low nibbles), qs:u8[128]: sub-block
// p's 16 bytes hold elements l (low nibble) and l + 16 (high); w = d·(scale − 32)·table[q].
#define QK 256
#define QBYTES 136
#define QTILE 8
__device__ __forceinline__ void dequant_part(const unsigned char* b, int p, float (&w)[QPART])
{
    const unsigned hi = ld_u16(b + 2);
    const int ls = ((ld_u8(b + 4 + (p >> 1)) >> (4 * (p & 1))) & 0xF) | (((hi >> (2 * p)) & 3) << 4);
    const float d = ld_half(b) * (float)(ls - 32);
    unsigned q[4];
    ld_16bytes(b + 8 + 16 * p, q);
#pragma unroll
    for (int i = 0; i < 16; i++)
    {
        const int v = byte_of(q, i);
        w[i] = d * iq4_level(v & 0xF);
        w[i + 16] = d * iq4_level(v >> 4);
    }
}
#elif QFORMAT == QF_FP8
// codes:e4m3[32] (the row's scale follows the row's last block); w = e4m3(code)·2⁻⁸ (e4m3x4), the row scale applied by the caller.
#define QK 32
#define QBYTES 32
#define QTILE 64
#define QROW_SCALE 1
__device__ __forceinline__ void dequant_part(const unsigned char* b, int, float (&w)[QPART])
{
    unsigned q[8];
    ld_words_aligned16<8>(b, q);   // blocks of 32 bytes in 16-byte aligned rows and tiles
#pragma unroll
    for (int i = 0; i < 8; i++) e4m3x4(q[i], w + 4 * i);
}
#else
#error "unknown QFORMAT"
#endif
#ifndef QROW_SCALE
#define QROW_SCALE 0
#endif

// ---- 8-bit activations (QG_Q8X: BF16/F16 compute, the formats below) ----
// As llama.cpp's MMVQ does, each block first rounds x to 8-bit blocks of 32 in shared memory, exactly as ggml's
// quantize_row_q8_0 does (d = amax/127, q = roundf(x·(1/d)), d kept as fp16), and each lane multiplies a part's
// weight integers with them four at a time (dp4a): about one instruction per weight instead of the float path's
// eight, which left the K-quant GEMVs compute-bound at a third of the bandwidth (Nsight Compute, notes/cuda-quant/run7).
// A part's weights come out as 8 words of signed bytes q (element 4i + b in byte b of word i) with
// weight_e = (e < 16 ? dlo : dhi)·q_e + m, so Σ_e weight_e·x_e = dx·(dlo·Σlo q·xq + dhi·Σhi q·xq) + m·sx, where
// xq are the 8-bit activations of the part's 32 elements, dx their scale and sx = dx·Σ xq.
#ifdef QG_Q8X
// c + Σ over the four bytes of a·b as signed 8-bit integers (the dp4a instruction; inline PTX, as NVRTC before 12
// does not declare the __dp4a intrinsic without its headers).
__device__ __forceinline__ int dp4a_s32(int a, int b, int c)
{
    int d;
    asm("dp4a.s32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
}

// Bit i (i < 4) of v moved to bit 8·i: the 5th bits of four elements, one per byte.
__device__ __forceinline__ unsigned spread4(unsigned v) { return ((v & 0xF) * 0x00204081u) & 0x01010101u; }

// Four 6-bit values (one per byte) minus 32 as signed bytes: v ^ 32 is v − 32 in 6-bit two's complement; bit 5 then
// extends to bits 6 and 7 (0x20 · 6 = 0xC0, no carry between bytes).
__device__ __forceinline__ int minus32_s8(unsigned v)
{
    const unsigned y = v ^ 0x20202020u;
    return (int)(y | ((y & 0x20202020u) * 6u));
}

#if QFORMAT == QF_Q8_0
__device__ __forceinline__ void q8_part(const unsigned char* b, int, int (&q)[8], float& dlo, float& dhi, float& m)
{
    unsigned w[8];
    ld_32bytes(b + 2, w);
#pragma unroll
    for (int i = 0; i < 8; i++) q[i] = (int)w[i];
    dlo = dhi = ld_half(b); m = 0.0f;
}
#elif QFORMAT == QF_Q4_0 || QFORMAT == QF_Q4_1 || QFORMAT == QF_Q5_0 || QFORMAT == QF_Q5_1
__device__ __forceinline__ void q8_part(const unsigned char* b, int, int (&q)[8], float& dlo, float& dhi, float& m)
{
#if QFORMAT == QF_Q4_0
    const unsigned char* qs = b + 2; const unsigned qh = 0; const float d = ld_half(b); m = -8.0f * d;
#elif QFORMAT == QF_Q4_1
    const unsigned char* qs = b + 4; const unsigned qh = 0; const float d = ld_half(b); m = ld_half(b + 2);
#elif QFORMAT == QF_Q5_0
    const unsigned char* qs = b + 6; const unsigned qh = ld_u16(b + 2) | (ld_u16(b + 4) << 16); const float d = ld_half(b); m = -16.0f * d;
#else
    const unsigned char* qs = b + 8; const unsigned qh = ld_u16(b + 4) | (ld_u16(b + 6) << 16); const float d = ld_half(b); m = ld_half(b + 2);
#endif
    unsigned w[4];
    ld_16bytes(qs, w);
#pragma unroll
    for (int i = 0; i < 4; i++)
    {
        // Byte j of the 16: element j in the low nibble, element j + 16 in the high one; the 5th bits from qh.
        q[i] = (int)((w[i] & 0x0F0F0F0Fu) | (spread4(qh >> (4 * i)) << 4));
        q[i + 4] = (int)(((w[i] >> 4) & 0x0F0F0F0Fu) | (spread4(qh >> (16 + 4 * i)) << 4));
    }
    dlo = dhi = d;
}
#elif QFORMAT == QF_Q4_K || QFORMAT == QF_Q5_K
__device__ __forceinline__ void q8_part(const unsigned char* b, int p, int (&q)[8], float& dlo, float& dhi, float& m)
{
    float sc, mn;
    scale_min_k4(p, b + 4, sc, mn);
    dlo = dhi = ld_half(b) * sc;
    m = -(ld_half(b + 2) * mn);
    const int shift = (p & 1) * 4;
#if QFORMAT == QF_Q4_K
    unsigned w[8];
    ld_words_aligned16<8>(b + 16 + 32 * (p >> 1), w);
#pragma unroll
    for (int i = 0; i < 8; i++) q[i] = (int)((w[i] >> shift) & 0x0F0F0F0Fu);
#else
    unsigned w[8], h[8];
    ld_words_aligned16<8>(b + 48 + 32 * (p >> 1), w);
    ld_words_aligned16<8>(b + 16, h);
#pragma unroll
    for (int i = 0; i < 8; i++) q[i] = (int)(((w[i] >> shift) & 0x0F0F0F0Fu) | (((h[i] >> p) & 0x01010101u) << 4));
#endif
}
#elif QFORMAT == QF_Q6_K
__device__ __forceinline__ void q8_part(const unsigned char* b, int p, int (&q)[8], float& dlo, float& dhi, float& m)
{
    const int half = p >> 2, i = p & 3;
    const float d = ld_half(b + 208);
    dlo = d * (float)(signed char)ld_u8(b + 192 + 8 * half + 2 * i);
    dhi = d * (float)(signed char)ld_u8(b + 192 + 8 * half + 2 * i + 1);
    m = 0.0f;
    unsigned ql[8], qh[8];
    ld_32bytes(b + 64 * half + 32 * (i & 1), ql);
    ld_32bytes(b + 128 + 32 * half, qh);
    const int lowShift = (i >> 1) * 4, highShift = 2 * i;
#pragma unroll
    for (int l = 0; l < 8; l++) q[l] = minus32_s8(((ql[l] >> lowShift) & 0x0F0F0F0Fu) | (((qh[l] >> highShift) & 0x03030303u) << 4));
}
#else
#error "QG_Q8X: no 8-bit-activation dot for this QFORMAT (the host enables it only for Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)"
#endif
#endif

#define QPARTS (QK / QPART)
#define QTILE_BYTES (QTILE * QBYTES)
#define QTILE_CHUNKS (QTILE_BYTES / 16)
#define QLOADS ((QTILE_CHUNKS + 31) / 32)          // 16-byte loads per lane per tile
#define QLANE_PARTS (QTILE * QPARTS / 32)           // parts each lane dequantizes per tile
static_assert(QTILE_BYTES % 16 == 0, "a tile must be whole 16-byte chunks");
static_assert((QTILE * QPARTS) % 32 == 0, "a tile must give every lane the same number of parts");

// A weight load that skips L1 and leaves L2 first (read once per step), as gemv.cu's load_weight.
__device__ __forceinline__ uint4 qload(const unsigned char* p)
{
    uint4 r;
#if __CUDA_ARCH__ >= 800
    unsigned long long policy;
    asm("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
    asm("ld.global.nc.L1::no_allocate.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;"
        : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p), "l"(policy));
#else
    asm("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
#endif
    return r;
}

// Loads this lane's chunks of tile t of a row (blocks [t·QTILE, …) of nb): chunks past the row's blocks read nothing.
__device__ __forceinline__ void load_tile(const unsigned char* row, int t, int nb, int lane, uint4 (&r)[QLOADS])
{
    const int blocks = min(QTILE, nb - t * QTILE);
    const int chunks = blocks > 0 ? (blocks * QBYTES + 15) / 16 : 0;
    const unsigned char* base = row + (size_t)t * QTILE_BYTES;
#pragma unroll
    for (int u = 0; u < QLOADS; u++)
    {
        const int c = lane + 32 * u;
        if (c < chunks) r[u] = qload(base + 16 * c);
        else { r[u].x = 0; r[u].y = 0; r[u].z = 0; r[u].w = 0; }
    }
}

__device__ __forceinline__ void store_tile(unsigned char* tile, int lane, const uint4 (&r)[QLOADS])
{
#pragma unroll
    for (int u = 0; u < QLOADS; u++)
    {
        const int c = lane + 32 * u;
        if (c < QTILE_CHUNKS) reinterpret_cast<uint4*>(tile)[c] = r[u];
    }
}

// Tile t of a row copied to shared memory by cp.async (16-byte chunks, L1 bypassed, weights marked to leave L2 first);
// chunks past the row's blocks are not read. The copies complete per commit group (cp_async_commit / cp_async_wait).
__device__ __forceinline__ void async_tile(unsigned char* tile, const unsigned char* row, int t, int nb, int lane)
{
#if __CUDA_ARCH__ >= 800
    const int blocks = min(QTILE, nb - t * QTILE);
    const int chunks = blocks > 0 ? (blocks * QBYTES + 15) / 16 : 0;
    const unsigned char* base = row + (size_t)t * QTILE_BYTES;
    unsigned long long policy;
    asm("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
#pragma unroll
    for (int u = 0; u < QLOADS; u++)
    {
        const int c = lane + 32 * u;
        if (c < chunks)
        {
            const unsigned dst = (unsigned)__cvta_generic_to_shared(tile + 16 * c);
            asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2;" :: "r"(dst), "l"(base + 16 * c), "l"(policy) : "memory");
        }
    }
#endif
}
__device__ __forceinline__ void cp_async_commit()
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}
template <int Pending> __device__ __forceinline__ void cp_async_wait()
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;" :: "n"(Pending) : "memory");
#endif
}

// Σ over this lane's parts of one tile: acc[r][n] += dequant(W row r) · x[n].
template <int N, int R>
__device__ __forceinline__ void tile_dot(unsigned char (*tiles)[QTILE_BYTES + QSLACK], int t, int nb, int lane,
                                         const act_t* __restrict__ x, int k, float (&acc)[R][N])
{
    const int V = Vec16<act_t>::N;
#pragma unroll
    for (int j = 0; j < QLANE_PARTS; j++)
    {
        const int part = lane + 32 * j;
        const int blk = part / QPARTS, p = part % QPARTS;
        if (t * QTILE + blk >= nb) continue;
        const size_t e0 = ((size_t)t * QTILE + blk) * QK + (size_t)p * QPART;
#pragma unroll
        for (int r = 0; r < R; r++)
        {
            float w[QPART];
            dequant_part(tiles[r] + blk * QBYTES, p, w);
#pragma unroll
            for (int n = 0; n < N; n++)
            {
                float s[2] = { 0.0f, 0.0f };   // two chains: 32 dependent FMAs would stall on their latency
#pragma unroll
                for (int c = 0; c < QPART; c += V)
                {
                    float xf[Vec16<act_t>::N];
                    load16(x + (size_t)n * k + e0 + c, xf);
#pragma unroll
                    for (int v = 0; v < V; v++) s[v & 1] = fmaf(w[c + v], xf[v], s[v & 1]);
                }
                acc[r][n] += s[0] + s[1];
            }
        }
    }
}

#ifdef QG_Q8X
static_assert(sizeof(act_t) == 2, "QG_Q8X is for BF16/F16 compute (8 activations per 16-byte load)");

// The block's x [N, k] rounded to 8-bit blocks of 32 in dynamic shared memory: xq int8 [N·k], then xd (the fp16 scale,
// as fp32) and xs (xd · Σ xq) per block, [N·k/32] floats each; N·k·5/4 bytes (the host passes that size). Each thread
// takes 8 consecutive elements, four threads a block of 32. Every thread of the block calls it (it ends in a barrier).
template <int N>
__device__ __forceinline__ void quantize_x(const act_t* __restrict__ x, int k, signed char* xq, float* xd, float* xs)
{
    const int units = N * k / 8;   // a multiple of 4: k is a whole number of 32-element parts
    for (int base = 0; base < units; base += blockDim.x)
    {
        const int u = base + threadIdx.x;
        const bool active = u < units;
        float v[8];
        if (active) load16(x + (size_t)u * 8, v);
        else
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = 0.0f;
        float amax = 0.0f;
#pragma unroll
        for (int i = 0; i < 8; i++) amax = fmaxf(amax, fabsf(v[i]));
        amax = fmaxf(amax, __shfl_xor_sync(FULL_MASK, amax, 1));
        amax = fmaxf(amax, __shfl_xor_sync(FULL_MASK, amax, 2));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        unsigned packed[2] = { 0u, 0u };
        int sum = 0;
#pragma unroll
        for (int i = 0; i < 8; i++)
        {
            const int q = (int)roundf(v[i] * id);
            sum += q;
            packed[i >> 2] |= ((unsigned)q & 0xFFu) << (8 * (i & 3));
        }
        sum += __shfl_xor_sync(FULL_MASK, sum, 1);
        sum += __shfl_xor_sync(FULL_MASK, sum, 2);
        if (active)
        {
            *reinterpret_cast<uint2*>(xq + (size_t)u * 8) = make_uint2(packed[0], packed[1]);
            if ((u & 3) == 0)
            {
                const float dh = to_float(from_float<f16>(d));
                xd[u >> 2] = dh;
                xs[u >> 2] = dh * (float)sum;
            }
        }
    }
    __syncthreads();
}

// tile_dot with 8-bit activations: acc[r][n] += Σ over this lane's parts of dequant(W row r) · xq[n] (see q8_part).
template <int N, int R>
__device__ __forceinline__ void tile_dot_q8(unsigned char (*tiles)[QTILE_BYTES + QSLACK], int t, int nb, int lane,
                                            const signed char* xq, const float* xd, const float* xs, int k, float (&acc)[R][N])
{
#pragma unroll
    for (int j = 0; j < QLANE_PARTS; j++)
    {
        const int part = lane + 32 * j;
        const int blk = part / QPARTS, p = part % QPARTS;
        if (t * QTILE + blk >= nb) continue;
        const int e0 = (t * QTILE + blk) * QK + p * QPART;
        uint4 xa[N], xb[N];
#pragma unroll
        for (int n = 0; n < N; n++)
        {
            xa[n] = *reinterpret_cast<const uint4*>(xq + n * k + e0);
            xb[n] = *reinterpret_cast<const uint4*>(xq + n * k + e0 + 16);
        }
#pragma unroll
        for (int r = 0; r < R; r++)
        {
            int q[8];
            float dlo, dhi, m;
            q8_part(tiles[r] + blk * QBYTES, p, q, dlo, dhi, m);
#pragma unroll
            for (int n = 0; n < N; n++)
            {
                int lo = dp4a_s32(q[0], (int)xa[n].x, 0);
                lo = dp4a_s32(q[1], (int)xa[n].y, lo);
                lo = dp4a_s32(q[2], (int)xa[n].z, lo);
                lo = dp4a_s32(q[3], (int)xa[n].w, lo);
                int hi = dp4a_s32(q[4], (int)xb[n].x, 0);
                hi = dp4a_s32(q[5], (int)xb[n].y, hi);
                hi = dp4a_s32(q[6], (int)xb[n].z, hi);
                hi = dp4a_s32(q[7], (int)xb[n].w, hi);
                const int xi = (n * k + e0) / QPART;
                acc[r][n] += xd[xi] * (dlo * (float)lo + dhi * (float)hi) + m * xs[xi];
            }
        }
    }
}
#endif

// Dot products of R weight rows (row byte pointers, 16-byte aligned) with the N rows of x; every thread of the block
// must call it. The result is in acc on lane 0 of the row's first warp (warp % QG_SPLIT == 0).
template <int N, int R>
__device__ __forceinline__ void qdot_rows(const unsigned char* const (&rows)[R], const act_t* __restrict__ x, int k, float (&acc)[R][N])
{
    typedef unsigned char Tile[QTILE_BYTES + QSLACK];
    extern __shared__ __align__(16) unsigned char qsmem[];   // dynamic: (QG_STAGES > 1) the tile rings, then (QG_Q8X) x
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int part = warp % QG_SPLIT;
    const int nb = k / QK, tiles_in_row = (nb + QTILE - 1) / QTILE;
#pragma unroll
    for (int r = 0; r < R; r++)
#pragma unroll
        for (int n = 0; n < N; n++) acc[r][n] = 0.0f;

#if QG_STAGES > 1
    // Each warp's ring of QG_STAGES tiles per row, filled by cp.async QG_STAGES − 1 tiles ahead of the one in use.
    Tile* ring = reinterpret_cast<Tile*>(qsmem) + (size_t)warp * QG_STAGES * R;   // [stage][r]
#pragma unroll
    for (int s = 0; s < QG_STAGES - 1; s++)
    {
#pragma unroll
        for (int r = 0; r < R; r++) async_tile(ring[s * R + r], rows[r], part + s * QG_SPLIT, nb, lane);
        cp_async_commit();
    }
#else
    __shared__ __align__(16) Tile tiles[QG_WARPS][R];
    uint4 next[R][QLOADS];
#pragma unroll
    for (int r = 0; r < R; r++) load_tile(rows[r], part, nb, lane, next[r]);
#endif
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
#ifdef QG_Q8X
    unsigned char* x8 = qsmem + (QG_STAGES > 1 ? (size_t)QG_WARPS * QG_STAGES * R * sizeof(Tile) : 0);
    signed char* xq = reinterpret_cast<signed char*>(x8);
    float* xd = reinterpret_cast<float*>(x8 + N * k);
    float* xs = xd + N * k / QPART;
    quantize_x<N>(x, k, xq, xd, xs);
#endif
#if QG_STAGES > 1
    int stage = 0;
#endif
    for (int t = part; t < tiles_in_row; t += QG_SPLIT)
    {
#if QG_STAGES > 1
        // Refill the stage used last iteration with tile t + (QG_STAGES − 1)·split, then wait for tile t: groups
        // committed after it (QG_STAGES − 1 of them) may still be in flight.
        const int ahead = (stage + QG_STAGES - 1) % QG_STAGES;
#pragma unroll
        for (int r = 0; r < R; r++) async_tile(ring[ahead * R + r], rows[r], t + (QG_STAGES - 1) * QG_SPLIT, nb, lane);
        cp_async_commit();
        cp_async_wait<QG_STAGES - 1>();
        __syncwarp();
        Tile* current = ring + stage * R;
        stage = (stage + 1) % QG_STAGES;
#else
#pragma unroll
        for (int r = 0; r < R; r++)
        {
            store_tile(tiles[warp][r], lane, next[r]);
            load_tile(rows[r], t + QG_SPLIT, nb, lane, next[r]);
        }
        __syncwarp();
        Tile* current = tiles[warp];
#endif
#ifdef QG_Q8X
        tile_dot_q8<N, R>(current, t, nb, lane, xq, xd, xs, k, acc);
#else
        tile_dot<N, R>(current, t, nb, lane, x, k, acc);
#endif
        __syncwarp();
    }
#pragma unroll
    for (int r = 0; r < R; r++)
#pragma unroll
        for (int n = 0; n < N; n++) acc[r][n] = warp_sum(acc[r][n]);
#if QG_SPLIT > 1
    __shared__ float partial[QG_WARPS][R][N];
    if (lane == 0)
#pragma unroll
        for (int r = 0; r < R; r++)
#pragma unroll
            for (int n = 0; n < N; n++) partial[warp][r][n] = acc[r][n];
    __syncthreads();
    if (part == 0)
#pragma unroll
        for (int r = 0; r < R; r++)
#pragma unroll
            for (int n = 0; n < N; n++)
            {
                float s = 0.0f;
#pragma unroll
                for (int q = 0; q < QG_SPLIT; q++) s += partial[warp + q][r][n];
                acc[r][n] = s;
            }
#endif
}

// Up to three products sharing x: rows [0, m0) of W0, then [0, m1) of W1, then [0, m2) of W2; `stride`: bytes between
// rows (the same for the three: one format, one k).
template <int N, typename Y>
__device__ __forceinline__ void qgemv(const act_t* __restrict__ x, int k, size_t stride,
                                      const unsigned char* w0, const float* b0, Y* y0, int m0,
                                      const unsigned char* w1, const float* b1, Y* y1, int m1,
                                      const unsigned char* w2, const float* b2, Y* y2, int m2)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int r = blockIdx.x * QG_ROWS + warp / QG_SPLIT;
    const unsigned char* w = w0; const float* b = b0; Y* y = y0; int m = m0;
    if (r >= m0) { r -= m0; w = w1; b = b1; y = y1; m = m1; if (r >= m1) { r -= m1; w = w2; b = b2; y = y2; m = m2; } }
    const bool valid = r < m;
    const unsigned char* rows[1] = { valid ? w + (size_t)r * stride : w0 };   // idle warps read row 0 of W0
    float acc[1][N];
    qdot_rows<N, 1>(rows, x, k, acc);
    if (valid && lane == 0 && warp % QG_SPLIT == 0)
    {
        const float bias = b != 0 ? b[r] : 0.0f;
#pragma unroll
        for (int n = 0; n < N; n++) y[(size_t)n * m + r] = from_float<Y>(acc[0][n] + bias);
    }
}

// MLP gate and up rows together (one format): up = x·Wuᵀ, gate = silu(x·Wgᵀ)·up, rounded as the separate ops round.
template <int N>
__device__ __forceinline__ void qgemv_gate_up(const act_t* __restrict__ x, int k, size_t stride,
                                              const unsigned char* wg, const float* bg, act_t* gate,
                                              const unsigned char* wu, const float* bu, act_t* up, int m)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int r = blockIdx.x * QG_ROWS + warp / QG_SPLIT;
    const bool valid = r < m;
    const size_t offset = (size_t)(valid ? r : 0) * stride;
    const unsigned char* rows[2] = { wg + offset, wu + offset };
    float acc[2][N];
    qdot_rows<N, 2>(rows, x, k, acc);
    if (valid && lane == 0 && warp % QG_SPLIT == 0)
    {
#pragma unroll
        for (int n = 0; n < N; n++)
        {
            const float g = to_float(from_float<act_t>(acc[0][n] + (bg != 0 ? bg[r] : 0.0f)));
            const act_t u = from_float<act_t>(acc[1][n] + (bu != 0 ? bu[r] : 0.0f));
            const float sig = 1.0f / (1.0f + expf(-g));
            up[(size_t)n * m + r] = u;
            gate[(size_t)n * m + r] = from_float<act_t>(sig * g * to_float(u));
        }
    }
}

// qgemv<N>_act / qgemv<N>_f32 / qgemv_gate_up<N>. Block: QG_WARPS·32 threads; grid: ceil(total rows / QG_ROWS).
#define QGEMV_PRODUCT_ARGS(Y)                                                                                                 \
    const act_t* __restrict__ x, int k, unsigned long long stride,                                                            \
    const unsigned char* w0, const float* b0, Y* y0, int m0, const unsigned char* w1, const float* b1, Y* y1, int m1,        \
    const unsigned char* w2, const float* b2, Y* y2, int m2
#define QGEMV_KERNELS(N)                                                                                                      \
    extern "C" __global__ void __launch_bounds__(QG_WARPS * 32) qgemv##N##_act(QGEMV_PRODUCT_ARGS(act_t))                     \
    { qgemv<N, act_t>(x, k, (size_t)stride, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2); }                               \
    extern "C" __global__ void __launch_bounds__(QG_WARPS * 32) qgemv##N##_f32(QGEMV_PRODUCT_ARGS(float))                     \
    { qgemv<N, float>(x, k, (size_t)stride, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2); }                               \
    extern "C" __global__ void __launch_bounds__(QG_WARPS * 32) qgemv_gate_up##N(const act_t* __restrict__ x, int k,          \
        unsigned long long stride, const unsigned char* wg, const float* bg, act_t* gate,                                     \
        const unsigned char* wu, const float* bu, act_t* up, int m)                                                           \
    { qgemv_gate_up<N>(x, k, (size_t)stride, wg, bg, gate, wu, bu, up, m); }

QGEMV_KERNELS(1)
QGEMV_KERNELS(2)
QGEMV_KERNELS(3)
QGEMV_KERNELS(4)

// out[i, :] = dequant(W[row_i, :]) for i < rows, row_i = ids[i] (the embedding gather; an id outside [0, vocab) raises
// STATUS_BAD_TOKEN and writes zeros) or first + i when ids is null (prefill: W's rows [first, first + rows) into a
// dense workspace). One thread per 32-element part; grid-stride over rows·(k/32) parts. As the gather starts a forward
// step, block 0 clears the step's norm statistics (statsCount floats, as embedding.cu does; 0 for prefill products).
extern "C" __global__ void dequant_rows(const unsigned char* __restrict__ w, unsigned long long stride, const int* __restrict__ ids,
                                        int first, int rows, int k, int vocab, act_t* __restrict__ out, int* __restrict__ status,
                                        float* __restrict__ stats, int statsCount)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    if (blockIdx.x == 0)
        for (int i = threadIdx.x; i < statsCount; i += blockDim.x) stats[i] = 0.0f;
    const int partsPerRow = k / QPART;
    const size_t total = (size_t)rows * partsPerRow;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
    {
        const int row = (int)(i / partsPerRow), q = (int)(i % partsPerRow);
        act_t* o = out + (size_t)row * k + (size_t)q * QPART;
        int source = first + row;
        if (ids != 0)
        {
            source = ids[row];
            if (source < 0 || source >= vocab)
            {
                if (q == 0) atomicOr(status, STATUS_BAD_TOKEN);
#pragma unroll
                for (int e = 0; e < QPART; e++) o[e] = from_float<act_t>(0.0f);
                continue;
            }
        }
        float v[QPART];
        dequant_part(w + (size_t)source * stride + (size_t)(q / QPARTS) * QBYTES, q % QPARTS, v);
#if QROW_SCALE
        const float scale = fp8_scale(w + (size_t)source * stride, k);
#pragma unroll
        for (int e = 0; e < QPART; e++) v[e] *= scale;
#endif
#pragma unroll
        for (int e = 0; e < QPART; e += Vec16<act_t>::N) store16(o + e, v + e);
    }
}

#if QFORMAT == QF_FP8
// ---- FP8 prefill on tensor cores (sm_89+; the host runs cuBLASLt's E4M3 product with one scale per row of each side) ----

// v rounded to E4M3 ("fn": nearest, ties to even, saturating at ±448, NaN to 0x7F), bit for bit as LlmLab's
// Fp8E4M3.FromSingle (the tests' reference), in integer steps rather than a conversion instruction sm_80 lacks.
__device__ __forceinline__ unsigned e4m3_code(float v)
{
    const unsigned bits = __float_as_uint(v), sign = (bits >> 24) & 0x80u, magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return 0x7Fu;
    const float a = __uint_as_float(magnitude);
    if (a >= 448.0f) return sign | 0x7Eu;
    if (a < 0.015625f) return sign | (unsigned)rintf(a * 512.0f);   // subnormals: multiples of 2⁻⁹ (2⁻⁶ itself is code 8)
    int exponent = (int)(magnitude >> 23) - 127;
    const unsigned fraction = magnitude & 0x7FFFFFu, rest = fraction & 0xFFFFFu;
    unsigned kept = fraction >> 20;
    if (rest > 0x80000u || (rest == 0x80000u && (kept & 1u))) kept++;
    if (kept == 8u) { kept = 0u; exponent++; }
    return sign | min((unsigned)((exponent + 7) << 3) | kept, 0x7Eu);
}

// The operands of an FP8 prefill product: blocks [0, n) round row b of x [n, k] to E4M3 codes xq[b, :] with the scale
// xs[b] = amax / 448 (Fp8E4M3.EncodeScaled: x ≈ xs·e4m3(code)); blocks from n on gather the m weight-row scales (each
// row's fp32 after its k codes) into ws[m], 256 per block. Block: 256 threads.
extern "C" __global__ void __launch_bounds__(256) fp8_prefill_operands(const act_t* __restrict__ x, int n, int k,
    unsigned char* __restrict__ xq, float* __restrict__ xs, const unsigned char* __restrict__ w, unsigned long long stride, int m,
    float* __restrict__ ws)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    if ((int)blockIdx.x >= n)
    {
        const int r = ((int)blockIdx.x - n) * blockDim.x + threadIdx.x;
        if (r < m) ws[r] = *reinterpret_cast<const float*>(w + (size_t)r * stride + k);
        return;
    }
    const act_t* row = x + (size_t)blockIdx.x * k;
    float amax = 0.0f;
    for (int i = threadIdx.x; i < k; i += blockDim.x) amax = fmaxf(amax, fabsf(to_float(row[i])));
    __shared__ float warpMax[8];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(FULL_MASK, amax, o));
    if ((threadIdx.x & 31) == 0) warpMax[threadIdx.x >> 5] = amax;
    __syncthreads();
    amax = 0.0f;
#pragma unroll
    for (int i = 0; i < 8; i++) amax = fmaxf(amax, warpMax[i]);
    const float scale = amax / 448.0f;
    if (threadIdx.x == 0) xs[blockIdx.x] = scale;
    unsigned char* q = xq + (size_t)blockIdx.x * k;
    for (int i = threadIdx.x; i < k; i += blockDim.x) q[i] = scale == 0.0f ? 0 : (unsigned char)e4m3_code(to_float(row[i]) / scale);
}

// y[i, j] ·= xs[i] · ws[j] for the unscaled E4M3 product of x [n, k] and W [m, k] (y [n, m] in the compute type): where
// cuBLASLt does not apply per-row scales itself. Grid-stride over n·m elements.
extern "C" __global__ void fp8_rescale(act_t* __restrict__ y, int n, int m, const float* __restrict__ xs, const float* __restrict__ ws)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const size_t total = (size_t)n * m;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
        y[i] = from_float<act_t>(to_float(y[i]) * (xs[i / m] * ws[i % m]));
}
#endif
