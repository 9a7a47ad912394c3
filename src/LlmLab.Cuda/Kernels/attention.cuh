// attention.cuh: what the attention kernels (attention_decode.cu, attention_prefill.cu, attention_flash.cu) share,
// each compiled for one head width (-DHEAD_DIM=...) and one KV cache format (-DKV_FORMAT=..., default KV_ACT);
// rope.cu includes it too when it writes a KV format other than the compute type.
//
// Layouts: q, out [rows, heads·HEAD_DIM]; kCache, vCache (one layer) [batch, maxSeq, kvHeads, one head as KV_FORMAT
// stores it] (KV_HEAD_UNITS kv_t per head); query head h reads KV head h / (heads / kvHeads). Scores use exp2 with the
// scale pre-multiplied by log2(e).
#pragma once
#include "common.cuh"

#ifndef HEAD_DIM
#error "compile with -DHEAD_DIM=<head width>"
#endif

// ---- KV cache formats (KvCacheType on the host; KvCacheFormatId in CudaBackend.Attention.cs gives the ids) ----
// KV_ACT: the compute type, HEAD_DIM act_t per head.
// KV_Q8_0: ggml Q8_0 blocks of 32 along each head: fp16 d, 32 int8 q; value = d·q (34 bytes per block).
// KV_Q4_0: ggml Q4_0 blocks of 32: fp16 d, 16 bytes of nibbles (element i in the low nibble of byte i, element
//          i + 16 in its high nibble); value = d·(nibble − 8) (18 bytes per block).
// KV_FP8:  per head an fp32 scale (amax / 448) then HEAD_DIM OCP E4M3 codes; value = scale·e4m3 (4 + HEAD_DIM bytes).
// The block formats are written byte for byte as ggml's quantize_row_q8_0/q4_0_ref write them, FP8 as the CPU's
// Fp8HeadCodec (LlmLab.Quantization), so a cache written here reads back on the CPU and the other way round.
#define KV_ACT 0
#define KV_Q8_0 1
#define KV_Q4_0 2
#define KV_FP8 3
#ifndef KV_FORMAT
#define KV_FORMAT KV_ACT
#endif

#define KV_BLOCK 32   // elements per Q8_0/Q4_0 block (ggml's QK8_0, QK4_0)
#if KV_FORMAT == KV_ACT
typedef act_t kv_t;
#define KV_HEAD_UNITS HEAD_DIM
#elif KV_FORMAT == KV_Q8_0
typedef unsigned char kv_t;
#define KV_GROUP KV_BLOCK          // elements quantized together (one scale)
#define KV_GROUP_BYTES 34          // 2 (fp16 d) + 32 int8
#define KV_CODES_AT 2              // bytes before a group's codes
#define KV_HEAD_UNITS (HEAD_DIM / KV_BLOCK * KV_GROUP_BYTES)
#elif KV_FORMAT == KV_Q4_0
typedef unsigned char kv_t;
#define KV_GROUP KV_BLOCK
#define KV_GROUP_BYTES 18          // 2 (fp16 d) + 16 bytes of nibbles
#define KV_CODES_AT 2
#define KV_HEAD_UNITS (HEAD_DIM / KV_BLOCK * KV_GROUP_BYTES)
#elif KV_FORMAT == KV_FP8
typedef unsigned char kv_t;
#define KV_GROUP HEAD_DIM          // one scale per head
#define KV_GROUP_BYTES (4 + HEAD_DIM)
#define KV_CODES_AT 4              // the fp32 scale
#define KV_HEAD_UNITS KV_GROUP_BYTES
#define FP8_MAX 448.0f             // largest finite E4M3 ("fn") value: the scale maps a head's amax to it
#else
#error "KV_FORMAT must be KV_ACT (0), KV_Q8_0 (1), KV_Q4_0 (2) or KV_FP8 (3)"
#endif
#if (KV_FORMAT == KV_Q8_0 || KV_FORMAT == KV_Q4_0) && HEAD_DIM % KV_BLOCK != 0
#error "Q8_0 and Q4_0 KV caches need whole 32-element blocks per head"
#endif

// One slice of VEC = Vec16<act_t>::N consecutive elements of one cached head row (e a multiple of VEC, so a slice never
// straddles a block: VEC divides 32), as a lane loads it: the raw 16 bytes for KV_ACT, else the slice's codes (one byte
// per element; Q4_0's nibbles already shifted down) and its scale.
static const int KV_VEC = Vec16<act_t>::N;
#if KV_FORMAT == KV_ACT
struct KvSlice { uint4 w; };
__device__ __forceinline__ void kv_clear(KvSlice& s) { s.w.x = s.w.y = s.w.z = s.w.w = 0; }
__device__ __forceinline__ void kv_load(KvSlice& s, const kv_t* head, int e) { s.w = *reinterpret_cast<const uint4*>(head + e); }
__device__ __forceinline__ void kv_unpack(const KvSlice& s, float* out) { unpack(s.w, out, act_t()); }
#else
struct KvSlice { unsigned codes[KV_VEC / 4]; float scale; };
__device__ __forceinline__ void kv_clear(KvSlice& s)
{
#pragma unroll
    for (int i = 0; i < KV_VEC / 4; i++) s.codes[i] = 0;
    s.scale = 0.0f;
}

__device__ __forceinline__ float half_bits_to_float(unsigned short bits)
{
    f16 h;
    h.bits = bits;
    return to_float(h);
}

#if KV_FORMAT == KV_FP8
// An E4M3 code's value: the code's exponent and mantissa placed in an fp32 (bits 30..20) are the value times 2⁻¹²⁰ for
// normal and subnormal codes alike (fp32 subnormals are exact: no flush to zero), so one multiply by 2¹²⁰ scales it
// back; S.1111.111 is NaN. The same values as Fp8E4M3.ToSingle.
__device__ __forceinline__ float fp8_e4m3_to_float(unsigned code)
{
    const unsigned em = code & 0x7fu;
    float f = __uint_as_float(em << 20) * __uint_as_float(0x7b800000u);   // × 2^120 (exponent field 247)
    if (em == 0x7fu) f = __int_as_float(0x7fc00000);
    return __uint_as_float(__float_as_uint(f) | ((code & 0x80u) << 24));
}
#endif

// Loads elements e .. e + KV_VEC − 1 of the head at `head`. Block rows are only 2-byte aligned (34- and 18-byte
// blocks), so their codes come in 16-bit loads; FP8 heads are 4-byte aligned (4 + HEAD_DIM bytes, HEAD_DIM a multiple of 4).
__device__ __forceinline__ void kv_load(KvSlice& s, const kv_t* head, int e)
{
#if KV_FORMAT == KV_FP8
    s.scale = *reinterpret_cast<const float*>(head);
    const unsigned* c = reinterpret_cast<const unsigned*>(head + KV_CODES_AT + e);
#pragma unroll
    for (int i = 0; i < KV_VEC / 4; i++) s.codes[i] = c[i];
#else
    const kv_t* block = head + (e / KV_BLOCK) * KV_GROUP_BYTES;
    s.scale = half_bits_to_float(*reinterpret_cast<const unsigned short*>(block));
    const int within = e % KV_BLOCK;
#if KV_FORMAT == KV_Q8_0
    const unsigned short* c = reinterpret_cast<const unsigned short*>(block + KV_CODES_AT + within);
#pragma unroll
    for (int i = 0; i < KV_VEC / 4; i++) s.codes[i] = (unsigned)c[2 * i] | ((unsigned)c[2 * i + 1] << 16);
#else
    // Elements 0..15 of a block are the low nibbles of its 16 bytes, 16..31 the high ones.
    const unsigned short* c = reinterpret_cast<const unsigned short*>(block + KV_CODES_AT + (within & 15));
    const int shift = within >= 16 ? 4 : 0;
#pragma unroll
    for (int i = 0; i < KV_VEC / 4; i++) s.codes[i] = (((unsigned)c[2 * i] | ((unsigned)c[2 * i + 1] << 16)) >> shift) & 0x0f0f0f0fu;
#endif
#endif
}

// The slice's KV_VEC values in fp32: the scale times each code's value, one fp32 product as the CPU's codecs compute it.
__device__ __forceinline__ void kv_unpack(const KvSlice& s, float* out)
{
#pragma unroll
    for (int i = 0; i < KV_VEC; i++)
    {
        const unsigned byte = (s.codes[i / 4] >> (8 * (i % 4))) & 0xffu;
#if KV_FORMAT == KV_Q8_0
        out[i] = (float)(int)(signed char)byte * s.scale;
#elif KV_FORMAT == KV_Q4_0
        out[i] = (float)((int)byte - 8) * s.scale;
#else
        out[i] = s.scale * fp8_e4m3_to_float(byte);
#endif
    }
}
#endif

// ---- The cache write (rope.cu): one warp encodes one group (a 32-block, or an FP8 head) of a K or V row ----
#if KV_FORMAT != KV_ACT
__device__ __forceinline__ float warp_max(float v)
{
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, offset));
    return v;
}

#if KV_FORMAT == KV_FP8
// Fp8E4M3.FromSingle bit for bit: round to nearest even, magnitudes ≥ 448 saturate to ±448, NaN → 0x7F.
__device__ __forceinline__ unsigned char fp8_e4m3_from_float(float v)
{
    if (v != v) return 0x7f;
    const unsigned bits = __float_as_uint(v);
    const unsigned sign = (bits >> 24) & 0x80u;
    const float magnitude = fabsf(v);
    if (magnitude >= FP8_MAX) return (unsigned char)(sign | 0x7eu);
    if (magnitude < 0.015625f)   // below the smallest normal 2⁻⁶: a multiple of 2⁻⁹ (codes 0..8)
        return (unsigned char)(sign | (unsigned)rintf(magnitude * 512.0f));
    const unsigned m = bits & 0x7fffffffu;
    int exponent = (int)(m >> 23) - 127;                 // −6 … 8
    unsigned kept = (m & 0x7fffffu) >> 20, rest = m & 0xfffffu;   // 3 of 23 mantissa bits kept
    if (rest > 0x80000u || (rest == 0x80000u && (kept & 1u))) kept++;
    if (kept == 8) { kept = 0; exponent++; }
    const unsigned code = ((unsigned)(exponent + 7) << 3) | kept;
    return (unsigned char)(sign | min(code, 0x7eu));
}
#endif

// Encodes KV_GROUP values at src into KV_GROUP_BYTES at dst; called by all 32 lanes of a warp. The arithmetic is the
// CPU reference's, operation for operation (IEEE division and reciprocal, no contraction: __fmul_rn/__fadd_rn).
__device__ __forceinline__ void kv_encode_group(const act_t* src, kv_t* dst, int lane)
{
#if KV_FORMAT == KV_Q8_0
    // quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d) computed as x · (1 / d), half away from zero.
    const float x = to_float(src[lane]);
    const float d = warp_max(fabsf(x)) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const int q = (int)roundf(__fmul_rn(x, id));
    if (lane == 0) *reinterpret_cast<unsigned short*>(dst) = from_float<f16>(d).bits;
    dst[KV_CODES_AT + lane] = (unsigned char)(signed char)q;
#elif KV_FORMAT == KV_Q4_0
    // quantize_row_q4_0_ref: max = the value of largest magnitude (the first on ties, as its loop keeps the first strict
    // maximum; +0 when all are zero), d = max / −8, nibble = min(15, (int8)(x · (1 / d) + 8.5)).
    const float x = to_float(src[lane]);
    float best = fabsf(x);
    int at = lane;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
    {
        const float otherBest = __shfl_xor_sync(FULL_MASK, best, offset);
        const int otherAt = __shfl_xor_sync(FULL_MASK, at, offset);
        if (otherBest > best || (otherBest == best && otherAt < at)) { best = otherBest; at = otherAt; }
    }
    const float max = __shfl_sync(FULL_MASK, x, at);
    const float d = (best > 0.0f ? max : 0.0f) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const int q = min(15, (int)(signed char)(int)__fadd_rn(__fmul_rn(x, id), 8.5f));
    const int high = __shfl_down_sync(FULL_MASK, q, 16);
    if (lane == 0) *reinterpret_cast<unsigned short*>(dst) = from_float<f16>(d).bits;
    if (lane < 16) dst[KV_CODES_AT + lane] = (unsigned char)(q | (high << 4));
#else
    // Fp8HeadCodec: scale = amax / 448, code = E4M3(x / scale), all zeros for a zero head.
    float amax = 0.0f;
    for (int i = lane; i < HEAD_DIM; i += 32) amax = fmaxf(amax, fabsf(to_float(src[i])));
    const float scale = warp_max(amax) / FP8_MAX;
    if (lane == 0) *reinterpret_cast<float*>(dst) = scale;
    for (int i = lane; i < HEAD_DIM; i += 32)
        dst[KV_CODES_AT + i] = scale == 0.0f ? (unsigned char)0 : fp8_e4m3_from_float(to_float(src[i]) / scale);
#endif
}
#endif
