// argmax.cu: greedy decoding on the device: the index of each row's largest logit (first index on ties).
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void argmax_row(const T* __restrict__ logits, int* __restrict__ ids, int cols)
{
    __shared__ float bestValue[32];
    __shared__ int bestIndex[32];
    const T* row = logits + (size_t)blockIdx.x * cols;
    float best = neg_inf();
    int index = 0x7fffffff;
    for (int i = threadIdx.x; i < cols; i += blockDim.x)
    {
        float v = to_float(row[i]);
        if (v > best) { best = v; index = i; }   // strided scan: a thread's earlier index wins its own ties
    }
    // Reduce (value, index) pairs: larger value wins, the smaller index on equal values.
    for (int offset = 16; offset > 0; offset >>= 1)
    {
        float v = __shfl_xor_sync(FULL_MASK, best, offset);
        int j = __shfl_xor_sync(FULL_MASK, index, offset);
        if (v > best || (v == best && j < index)) { best = v; index = j; }
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { bestValue[warp] = best; bestIndex[warp] = index; }
    __syncthreads();
    if (warp == 0)
    {
        int warps = blockDim.x >> 5;
        best = lane < warps ? bestValue[lane] : neg_inf();
        index = lane < warps ? bestIndex[lane] : 0x7fffffff;
        for (int offset = 16; offset > 0; offset >>= 1)
        {
            float v = __shfl_xor_sync(FULL_MASK, best, offset);
            int j = __shfl_xor_sync(FULL_MASK, index, offset);
            if (v > best || (v == best && j < index)) { best = v; index = j; }
        }
        if (lane == 0) ids[blockIdx.x] = index == 0x7fffffff ? 0 : index;
    }
}

// grid (rows): ids[r] = argmax(logits[r, :]) for fp32 logits.
extern "C" __global__ void argmax_f32(const float* __restrict__ logits, int* __restrict__ ids, int cols)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    argmax_row(logits, ids, cols);
}

// Same for logits kept in the activation type.
extern "C" __global__ void argmax_act(const act_t* __restrict__ logits, int* __restrict__ ids, int cols)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    argmax_row(logits, ids, cols);
}
