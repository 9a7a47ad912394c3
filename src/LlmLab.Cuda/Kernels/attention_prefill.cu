// attention_prefill.cu: prefill attention through cuBLASLt (Q·Kᵀ and P·V on the host's side), with the helpers here
// for the head-major layout and the causal softmax.
#include "attention.cuh"

// Prefill layout change: [batch, T, heads, HEAD_DIM] ⇄ [batch, heads, T, HEAD_DIM] (toHeadMajor selects the direction),
// so each query head's T rows are one contiguous matrix for cuBLASLt.
extern "C" __global__ void transpose_heads(const act_t* __restrict__ in, act_t* __restrict__ out, int tokens, int heads, int toHeadMajor, long long n)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        // i indexes the token-major side: ((b·T + t)·heads + h)·HEAD_DIM + d.
        const long long d = i % HEAD_DIM;
        long long rest = i / HEAD_DIM;
        const long long h = rest % heads;
        rest /= heads;
        const long long t = rest % tokens;
        const long long b = rest / tokens;
        const long long headMajor = ((b * heads + h) * tokens + t) * HEAD_DIM + d;
        if (toHeadMajor) out[headMajor] = in[i];
        else out[i] = in[headMajor];
    }
}

__device__ __forceinline__ float block_max(float v)
{
    __shared__ float partialMax[32];
    __shared__ float result;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, offset));
    if (lane == 0) partialMax[warp] = v;
    __syncthreads();
    if (warp == 0)
    {
        float x = lane < (int)(blockDim.x >> 5) ? partialMax[lane] : neg_inf();
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) x = fmaxf(x, __shfl_xor_sync(FULL_MASK, x, offset));
        if (lane == 0) result = x;
    }
    __syncthreads();
    return result;
}

// grid (heads · T) for one sequence: row r = h·T + t of the fp32 scores S [heads·T, ld] (keys 0 .. keys − 1)
// becomes P = softmax(scale · S) over the keys query t may see (first .. position), zero elsewhere up to ld.
extern "C" __global__ void causal_softmax(const float* __restrict__ scores, act_t* __restrict__ probs, const int* __restrict__ positions,
                                          int tokens, int keys, int ld, int window, float scale)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const int r = blockIdx.x;
    const int pos = positions[r % tokens];
    const int first = window > 0 ? max(0, pos - window + 1) : 0;
    const int last = min(pos, keys - 1);
    const float* s = scores + (size_t)r * ld;
    act_t* p = probs + (size_t)r * ld;
    float mx = neg_inf();
    for (int j = first + threadIdx.x; j <= last; j += blockDim.x) mx = fmaxf(mx, s[j]);
    mx = block_max(mx);
    float sum = 0.0f;
    for (int j = first + threadIdx.x; j <= last; j += blockDim.x) sum += expf((s[j] - mx) * scale);
    sum = block_sum(sum);
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (int j = threadIdx.x; j < ld; j += blockDim.x)
        p[j] = from_float<act_t>(j >= first && j <= last ? expf((s[j] - mx) * scale) * inv : 0.0f);
}

#if KV_FORMAT != KV_ACT
// A quantized cache for the cuBLASLt path: rows 0 .. keys − 1 of one sequence's K or V (cache: that sequence's first
// row) decoded into out [keys, kvHeads·HEAD_DIM] in the compute type, which the products then read as they read a
// compute-type cache. One thread per KV_VEC-element slice (grid-stride).
extern "C" __global__ void kv_dequantize(const kv_t* __restrict__ cache, act_t* __restrict__ out, int keys, int kvHeads)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const int slices = HEAD_DIM / KV_VEC;
    const long long n = (long long)keys * kvHeads * slices;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        // i = (row·kvHeads + head)·slices + slice: the head (row, head) starts at unit (row·kvHeads + head)·KV_HEAD_UNITS.
        const long long head = i / slices;
        const int e = (int)(i - head * slices) * KV_VEC;
        KvSlice s;
        kv_load(s, cache + head * KV_HEAD_UNITS, e);
        float f[KV_VEC];
        kv_unpack(s, f);
        store16(out + head * HEAD_DIM + e, f);
    }
}
#endif
