// rope.cu: rotary position embedding on q and k (rotate-half convention), fused with the write of k and v
// into the KV cache. Positions are read on the device, so a captured decode step replays at any position.
#include "common.cuh"

// grid (rows); q: [rows, heads·headDim], k, v: [rows, kvHeads·headDim]; cos, sin: [maxPositions, headDim/2] fp32;
// kCache, vCache: this layer's [batch, maxSeq, kvHeads·headDim]. Row r belongs to sequence r / tokensPerSeq.
// (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) for x1, x2 the two halves of each head.
extern "C" __global__ void rope_and_cache(act_t* q, act_t* k, const act_t* __restrict__ v,
                                          const float* __restrict__ cosTable, const float* __restrict__ sinTable,
                                          const int* __restrict__ positions, act_t* kCache, act_t* vCache,
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
    act_t* qRow = q + (size_t)row * qDim;
    for (int p = threadIdx.x; p < heads * half; p += blockDim.x)
    {
        int h = p / half, i = p - h * half;
        act_t* head = qRow + h * headDim;
        float x1 = to_float(head[i]), x2 = to_float(head[i + half]);
        head[i] = from_float<act_t>(x1 * c[i] - x2 * s[i]);
        head[i + half] = from_float<act_t>(x2 * c[i] + x1 * s[i]);
    }
    act_t* kRow = k + (size_t)row * kvDim;
    act_t* kOut = kCache + ((size_t)seq * maxSeq + pos) * kvDim;
    for (int p = threadIdx.x; p < kvHeads * half; p += blockDim.x)
    {
        int h = p / half, i = p - h * half;
        int a = h * headDim + i, b = a + half;
        float x1 = to_float(kRow[a]), x2 = to_float(kRow[b]);
        act_t r1 = from_float<act_t>(x1 * c[i] - x2 * s[i]);
        act_t r2 = from_float<act_t>(x2 * c[i] + x1 * s[i]);
        kRow[a] = r1; kRow[b] = r2;
        kOut[a] = r1; kOut[b] = r2;
    }
    const act_t* vRow = v + (size_t)row * kvDim;
    act_t* vOut = vCache + ((size_t)seq * maxSeq + pos) * kvDim;
    for (int i = threadIdx.x; i < kvDim; i += blockDim.x) vOut[i] = vRow[i];
}
