// rmsnorm.cu: RMSNorm over groups of a row (whole row, or one head for q/k norm), and the fused
// residual-add + RMSNorm of a pre-norm block boundary. fp32 math: y = x / sqrt(mean(x²) + eps) · w.
//
// Decode normalises one row per block, so latency is what counts: each thread loads its 16-byte chunks once
// (NORM_CHUNKS at most, kept in registers across the block-wide sum), so the row is read and written in one pass.
#include "common.cuh"

#define NORM_CHUNKS 4   // 16-byte chunks per thread: 1024 threads cover rows of 32768 bf16 / 16384 fp32 values
#ifndef NORM_PRELOAD_W
#define NORM_PRELOAD_W 1   // load the norm weight before the dependency wait (it never changes), not after the block sum
#endif

// This thread's norm weights (chunks i = threadIdx.x + c·blockDim.x < chunks), V fp32 values per chunk.
template <int V>
__device__ __forceinline__ void load_norm_weight(const float* __restrict__ w, int chunks, float (&wv)[NORM_CHUNKS][V])
{
#pragma unroll
    for (int c = 0; c < NORM_CHUNKS; c++)
    {
        const int i = threadIdx.x + c * blockDim.x;
        if (i < chunks)
        {
            const float4* p = reinterpret_cast<const float4*>(w + (size_t)i * V);
#pragma unroll
            for (int e = 0; e < V / 4; e++)
            {
                const float4 f = __ldg(p + e);
                wv[c][4 * e] = f.x; wv[c][4 * e + 1] = f.y; wv[c][4 * e + 2] = f.z; wv[c][4 * e + 3] = f.w;
            }
        }
    }
}

// y = v · inv · w for this thread's chunks (weights preloaded in wv, or read from w), stored as act_t.
template <int V>
__device__ __forceinline__ void scale_store(float (&v)[NORM_CHUNKS][V], float inv, const float (&wv)[NORM_CHUNKS][V],
                                            const float* __restrict__ w, int chunks, act_t* y)
{
#pragma unroll
    for (int c = 0; c < NORM_CHUNKS; c++)
    {
        const int i = threadIdx.x + c * blockDim.x;
        if (i < chunks)
        {
#pragma unroll
            for (int e = 0; e < V; e++) v[c][e] = v[c][e] * inv * (NORM_PRELOAD_W ? wv[c][e] : w[i * V + e]);
            store16(y + (size_t)i * V, v[c]);
        }
    }
}

// grid (groups, rows); one block per group of `group` elements (group a multiple of 16 / sizeof(act_t), at most
// NORM_CHUNKS · blockDim.x chunks). y may be x: every value is in registers before the first write.
extern "C" __global__ void rms_norm(const act_t* x, const float* __restrict__ w, float eps, act_t* y, int cols, int group)
{
    const int V = Vec16<act_t>::N;
    const size_t offset = (size_t)blockIdx.y * cols + (size_t)blockIdx.x * group;
    const int chunks = group / V;
    float wv[NORM_CHUNKS][V];
    if (NORM_PRELOAD_W) load_norm_weight<V>(w, chunks, wv);
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    float v[NORM_CHUNKS][V];
    float ss = 0.0f;
#pragma unroll
    for (int c = 0; c < NORM_CHUNKS; c++)
    {
        const int i = threadIdx.x + c * blockDim.x;
        if (i < chunks)
        {
            load16(x + offset + (size_t)i * V, v[c]);
#pragma unroll
            for (int e = 0; e < V; e++) ss += v[c][e] * v[c][e];
        }
    }
    ss = block_sum(ss);
    const float inv = 1.0f / sqrtf(ss / group + eps);
    scale_store<V>(v, inv, wv, w, chunks, y + offset);
}

// grid (rows); residual += delta (rounded to act_t, as stored), then y = RMSNorm(residual) · w. Same layout rules.
extern "C" __global__ void add_rms_norm(act_t* residual, const act_t* delta, const float* __restrict__ w, float eps, act_t* y, int cols)
{
    const int V = Vec16<act_t>::N;
    const size_t offset = (size_t)blockIdx.x * cols;
    const int chunks = cols / V;
    float wv[NORM_CHUNKS][V];
    if (NORM_PRELOAD_W) load_norm_weight<V>(w, chunks, wv);
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    float v[NORM_CHUNKS][V];
    float ss = 0.0f;
#pragma unroll
    for (int c = 0; c < NORM_CHUNKS; c++)
    {
        const int i = threadIdx.x + c * blockDim.x;
        if (i < chunks)
        {
            float d[V];
            load16(residual + offset + (size_t)i * V, v[c]);
            load16(delta + offset + (size_t)i * V, d);
#pragma unroll
            for (int e = 0; e < V; e++)
            {
                v[c][e] = to_float(from_float<act_t>(v[c][e] + d[e]));
                ss += v[c][e] * v[c][e];
            }
            store16(residual + offset + (size_t)i * V, v[c]);
        }
    }
    ss = block_sum(ss);
    const float inv = 1.0f / sqrtf(ss / cols + eps);
    scale_store<V>(v, inv, wv, w, chunks, y + offset);
}

// The same two ops for widths that are not whole 16-byte chunks (element by element, two passes over memory).
extern "C" __global__ void rms_norm_scalar(const act_t* x, const float* __restrict__ w, float eps, act_t* y, int cols, int group)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const size_t offset = (size_t)blockIdx.y * cols + (size_t)blockIdx.x * group;
    const act_t* in = x + offset;
    act_t* out = y + offset;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < group; i += blockDim.x)
    {
        float v = to_float(in[i]);
        ss += v * v;
    }
    ss = block_sum(ss);
    const float inv = 1.0f / sqrtf(ss / group + eps);
    for (int i = threadIdx.x; i < group; i += blockDim.x) out[i] = from_float<act_t>(to_float(in[i]) * inv * w[i]);
}

extern "C" __global__ void add_rms_norm_scalar(act_t* residual, const act_t* delta, const float* __restrict__ w, float eps, act_t* y, int cols)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const size_t offset = (size_t)blockIdx.x * cols;
    act_t* r = residual + offset;
    const act_t* d = delta + offset;
    act_t* out = y + offset;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x)
    {
        act_t sum = from_float<act_t>(to_float(r[i]) + to_float(d[i]));
        r[i] = sum;
        float v = to_float(sum);
        ss += v * v;
    }
    ss = block_sum(ss);
    const float inv = 1.0f / sqrtf(ss / cols + eps);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) out[i] = from_float<act_t>(to_float(r[i]) * inv * w[i]);
}
