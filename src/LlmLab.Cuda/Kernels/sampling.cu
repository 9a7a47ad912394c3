// sampling.cu: temperature / top-k / top-p sampling on the device, one block per row (see IBackend.Sample).
// Both cuts are thresholds on the logits, found by building the threshold's order-preserving 32-bit key one bit
// at a time from the top (32 block-wide passes each): the top-k cut is the largest key with at least k logits at
// or above it; the nucleus cut the largest key whose kept mass still reaches topP of the top-k mass. The draw then
// scans the kept logits in vocabulary order. No sort, no scratch memory, and the row stays in L2 between passes.
#include "common.cuh"

#define SAMPLE_THREADS 1024

// Float → unsigned key with the same order (negative floats reversed, sign flipped).
__device__ __forceinline__ unsigned order_key(float v)
{
    unsigned b = __float_as_uint(v);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

__device__ __forceinline__ float block_sum(float v, float* shared)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = lane < (blockDim.x >> 5) ? shared[lane] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v; // every thread holds the total
}

__device__ __forceinline__ float block_max(float v, float* shared)
{
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = lane < (blockDim.x >> 5) ? shared[lane] : neg_inf();
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    return v;
}

// Mass exp((x − max)/T) of the logits whose key is ≥ t.
__device__ __forceinline__ float mass_from(const float* x, int cols, unsigned t, float maxv, float invT, float* shared)
{
    float s = 0.f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x)
        if (order_key(x[i]) >= t) s += __expf((x[i] - maxv) * invT);
    return block_sum(s, shared);
}

// grid (rows): ids[r] = a draw from row r of fp32 logits; uniforms[r] ∈ [0, 1).
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) sample_rows(const float* __restrict__ logits, int* __restrict__ ids, int cols,
    float invTemperature, int topK, float topP, const float* __restrict__ uniforms)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    __shared__ float shared[32];
    __shared__ unsigned chunkOwner;
    const float* x = logits + (size_t)blockIdx.x * cols;
    float m = neg_inf();
    for (int i = threadIdx.x; i < cols; i += blockDim.x) m = fmaxf(m, x[i]);
    m = block_max(m, shared);

    // Top-k cut: the largest key with at least k logits at or above it (0 keeps everything).
    unsigned tk = 0;
    if (topK > 0 && topK < cols)
    {
        for (int bit = 31; bit >= 0; bit--)
        {
            unsigned candidate = tk | (1u << bit);
            float count = 0.f;
            for (int i = threadIdx.x; i < cols; i += blockDim.x) count += order_key(x[i]) >= candidate ? 1.f : 0.f;
            if (block_sum(count, shared) >= (float)topK) tk = candidate;
        }
    }
    float kept = mass_from(x, cols, tk, m, invTemperature, shared);

    // Nucleus cut: the largest key ≥ tk whose mass still reaches topP of the top-k mass.
    unsigned t = tk;
    if (topP < 1.f)
    {
        float target = topP * kept;
        unsigned cut = 0;
        for (int bit = 31; bit >= 0; bit--)
        {
            unsigned candidate = cut | (1u << bit);
            if (candidate <= tk || mass_from(x, cols, candidate, m, invTemperature, shared) >= target) cut = candidate;
        }
        t = cut > tk ? cut : tk;
        kept = mass_from(x, cols, t, m, invTemperature, shared);
    }

    // Draw: each thread owns a contiguous chunk; an exclusive scan of chunk masses finds the chunk holding the draw.
    const float draw = uniforms[blockIdx.x] * kept;
    const int per = (cols + blockDim.x - 1) / blockDim.x;
    const int begin = threadIdx.x * per, end = min(cols, begin + per);
    float own = 0.f;
    int lastKept = -1;
    for (int i = begin; i < end; i++)
        if (order_key(x[i]) >= t) { own += __expf((x[i] - m) * invTemperature); lastKept = i; }
    // Inclusive scan over threads (warp shuffles, then warp totals).
    float inclusive = own;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int o = 1; o < 32; o <<= 1)
    {
        float y = __shfl_up_sync(FULL_MASK, inclusive, o);
        if (lane >= o) inclusive += y;
    }
    __shared__ float warpTotals[32];
    __shared__ int lastIndex[SAMPLE_THREADS];
    if (lane == 31) warpTotals[warp] = inclusive;
    lastIndex[threadIdx.x] = lastKept;
    if (threadIdx.x == 0) chunkOwner = 0xffffffffu;
    __syncthreads();
    float before = 0.f;
    for (int w = 0; w < warp; w++) before += warpTotals[w];
    inclusive += before;
    float exclusive = inclusive - own;
    if (own > 0.f && draw >= exclusive && draw < inclusive) atomicMin(&chunkOwner, threadIdx.x);
    __syncthreads();
    if (chunkOwner == 0xffffffffu)
    {
        // Rounding put the draw past the total: take the last kept logit.
        if (threadIdx.x == 0)
        {
            int last = 0;
            for (int i = blockDim.x - 1; i >= 0; i--) if (lastIndex[i] >= 0) { last = lastIndex[i]; break; }
            ids[blockIdx.x] = last;
        }
        return;
    }
    if (threadIdx.x == chunkOwner)
    {
        float cumulative = exclusive;
        int pick = lastKept;
        for (int i = begin; i < end; i++)
        {
            if (order_key(x[i]) < t) continue;
            cumulative += __expf((x[i] - m) * invTemperature);
            if (cumulative > draw) { pick = i; break; }
        }
        ids[blockIdx.x] = pick;
    }
}

// grid (rows), PENALTY_THREADS: transformers' repetition penalty on row r of fp32 logits, in place (see
// IBackend.RepetitionPenalty). seen [rows, cols] marks the ids already in row r's sequence; consumed (null after a
// prompt) holds the id the step just consumed, recorded first. A seen logit is × penalty when negative, else ÷ penalty.
#define PENALTY_THREADS 256
extern "C" __global__ void __launch_bounds__(PENALTY_THREADS) repetition_penalty(float* __restrict__ logits, int* __restrict__ seen,
    const int* __restrict__ consumed, int cols, float penalty)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    float* x = logits + (size_t)blockIdx.x * cols;
    int* s = seen + (size_t)blockIdx.x * cols;
    if (consumed != nullptr && threadIdx.x == 0)
    {
        int id = consumed[blockIdx.x];
        if (id >= 0 && id < cols) s[id] = 1; // ids come from argmax/sampling over these cols; a stray one is ignored
    }
    __syncthreads(); // the mark is visible to the whole block before the scan
    for (int i = threadIdx.x; i < cols; i += blockDim.x)
        if (s[i] != 0)
        {
            float v = x[i];
            x[i] = v < 0.f ? v * penalty : v / penalty;
        }
}
