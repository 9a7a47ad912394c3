// rope.cu: rotary position embedding on q and k (rotate-half convention), fused with the write of k and v
// into the KV cache. Positions are read on the device, so a captured decode step replays at any position.
// Compiled plainly, the cache holds the compute type; with -DKV_FORMAT=<id> -DHEAD_DIM=<width> (a quantized KV cache,
// attention.cuh's formats) the rotated k row and the v row are encoded into the cache one group per warp instead.
#include "common.cuh"
#if defined(KV_FORMAT) && KV_FORMAT != 0
#include "attention.cuh"
#define KV_ENCODED 1
#else
#define KV_ENCODED 0
typedef act_t kv_t;
#endif

// grid (rows); inputs qIn [rows, qLd] (first heads·headDim columns), kIn [rows, kLd], vIn [rows, vLd] (kvHeads·headDim
// columns each): the outputs themselves, or column blocks of one fused q/k/v product. Outputs q [rows, heads·headDim],
// k [rows, kvHeads·headDim] (may be the inputs), v (null: not written); cos, sin: [maxPositions, headDim/2] fp32;
// kCache, vCache: this layer's [batch, maxSeq, kvHeads·headDim] (in KV_FORMAT: [batch, maxSeq, kvHeads, KV_HEAD_UNITS]).
// Row r belongs to sequence r / tokensPerSeq. blockDim.x is a multiple of 32 (a warp encodes a group).
// (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) for x1, x2 the two halves of each head.
extern "C" __global__ void rope_and_cache(const act_t* qIn, int qLd, const act_t* kIn, int kLd, const act_t* vIn, int vLd,
                                          act_t* q, act_t* k, act_t* v,
                                          const float* __restrict__ cosTable, const float* __restrict__ sinTable,
                                          const int* __restrict__ positions, kv_t* kCache, kv_t* vCache,
                                          int heads, int kvHeads, int headDim, int tokensPerSeq, int maxSeq, int maxPositions,
                                          int* __restrict__ status)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const int row = blockIdx.x;
    const int pos = positions[row];
    if (pos < 0 || pos >= maxSeq || pos >= maxPositions)
    {
        if (threadIdx.x == 0) atomicOr(status, STATUS_BAD_POSITION);
        return;
    }
    const int seq = row / tokensPerSeq;
    const int half = headDim / 2;
    const float* c = cosTable + (size_t)pos * half;
    const float* s = sinTable + (size_t)pos * half;
    const int qDim = heads * headDim, kvDim = kvHeads * headDim;
    const act_t* qSrc = qIn + (size_t)row * qLd;
    act_t* qRow = q + (size_t)row * qDim;
    for (int p = threadIdx.x; p < heads * half; p += blockDim.x)
    {
        int h = p / half, i = p - h * half;
        int a = h * headDim + i, b = a + half;
        float x1 = to_float(qSrc[a]), x2 = to_float(qSrc[b]);
        qRow[a] = from_float<act_t>(x1 * c[i] - x2 * s[i]);
        qRow[b] = from_float<act_t>(x2 * c[i] + x1 * s[i]);
    }
    const act_t* kSrc = kIn + (size_t)row * kLd;
    act_t* kRow = k + (size_t)row * kvDim;
#if !KV_ENCODED
    act_t* kOut = kCache + ((size_t)seq * maxSeq + pos) * kvDim;
#endif
    for (int p = threadIdx.x; p < kvHeads * half; p += blockDim.x)
    {
        int h = p / half, i = p - h * half;
        int a = h * headDim + i, b = a + half;
        float x1 = to_float(kSrc[a]), x2 = to_float(kSrc[b]);
        act_t r1 = from_float<act_t>(x1 * c[i] - x2 * s[i]);
        act_t r2 = from_float<act_t>(x2 * c[i] + x1 * s[i]);
        kRow[a] = r1; kRow[b] = r2;
#if !KV_ENCODED
        kOut[a] = r1; kOut[b] = r2;
#endif
    }
    const act_t* vSrc = vIn + (size_t)row * vLd;
#if KV_ENCODED
    if (v != 0)
        for (int i = threadIdx.x; i < kvDim; i += blockDim.x) v[(size_t)row * kvDim + i] = vSrc[i];
    // The encoder reads the rotated k as written above (in act_t: the values a compute-type cache would hold) once the
    // whole block has written it; v straight from its input. K groups first, then V groups, a warp each.
    __syncthreads();
    const int groups = kvHeads * (HEAD_DIM / KV_GROUP);
    const size_t rowOffset = ((size_t)seq * maxSeq + pos) * kvHeads * KV_HEAD_UNITS;
    const int lane = threadIdx.x & 31;
    for (int g = threadIdx.x >> 5; g < 2 * groups; g += blockDim.x >> 5)
    {
        const bool isV = g >= groups;
        const int group = isV ? g - groups : g;
        kv_encode_group((isV ? vSrc : kRow) + (size_t)group * KV_GROUP, (isV ? vCache : kCache) + rowOffset + (size_t)group * KV_GROUP_BYTES, lane);
    }
#else
    act_t* vOut = vCache + ((size_t)seq * maxSeq + pos) * kvDim;
    for (int i = threadIdx.x; i < kvDim; i += blockDim.x)
    {
        const act_t value = vSrc[i];
        vOut[i] = value;
        if (v != 0) v[(size_t)row * kvDim + i] = value;
    }
#endif
}
