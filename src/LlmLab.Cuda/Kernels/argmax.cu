// argmax.cu: greedy decoding on the device: the index of each row's largest logit (first index on ties).
// A 128k-entry row is too much for one block, so each row is split over gridDim.x blocks; every block reduces
// its slice to (value, index) and the last block of the row to finish (counted in `counters`, which it resets)
// reduces the slices.
#include "common.cuh"

// Larger value wins; on equal values the smaller index.
__device__ __forceinline__ void better(float& best, int& index, float v, int j)
{
    if (v > best || (v == best && j < index)) { best = v; index = j; }
}

// Block-wide (value, index) reduction; the result is valid in thread 0.
__device__ __forceinline__ void block_argmax(float& best, int& index)
{
    __shared__ float values[32];
    __shared__ int indices[32];
    for (int offset = 16; offset > 0; offset >>= 1)
        better(best, index, __shfl_xor_sync(FULL_MASK, best, offset), __shfl_xor_sync(FULL_MASK, index, offset));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { values[warp] = best; indices[warp] = index; }
    __syncthreads();
    if (warp == 0)
    {
        int warps = blockDim.x >> 5;
        best = lane < warps ? values[lane] : neg_inf();
        index = lane < warps ? indices[lane] : 0x7fffffff;
        for (int offset = 16; offset > 0; offset >>= 1)
            better(best, index, __shfl_xor_sync(FULL_MASK, best, offset), __shfl_xor_sync(FULL_MASK, index, offset));
    }
}

template <typename T>
__device__ __forceinline__ void argmax_rows(const T* __restrict__ logits, int* __restrict__ ids, int cols,
                                            float* __restrict__ sliceValue, int* __restrict__ sliceIndex, int* __restrict__ counters)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const int row = blockIdx.y, slices = gridDim.x;
    const int per = (cols + slices - 1) / slices;
    const int begin = blockIdx.x * per, end = min(cols, begin + per);
    const T* in = logits + (size_t)row * cols;
    float best = neg_inf();
    int index = 0x7fffffff;
    for (int i = begin + threadIdx.x; i < end; i += blockDim.x) better(best, index, to_float(in[i]), i);
    block_argmax(best, index);
    if (slices == 1)
    {
        if (threadIdx.x == 0) ids[row] = index == 0x7fffffff ? 0 : index;
        return;
    }
    __shared__ int isLast;
    if (threadIdx.x == 0)
    {
        sliceValue[row * slices + blockIdx.x] = best;
        sliceIndex[row * slices + blockIdx.x] = index;
        __threadfence();
        isLast = atomicAdd(counters + row, 1) == slices - 1;
    }
    __syncthreads();
    if (!isLast) return;
    __threadfence();
    best = neg_inf();
    index = 0x7fffffff;
    for (int s = threadIdx.x; s < slices; s += blockDim.x)
        better(best, index, __ldcg(sliceValue + row * slices + s), __ldcg(sliceIndex + row * slices + s));
    block_argmax(best, index);
    if (threadIdx.x == 0)
    {
        ids[row] = index == 0x7fffffff ? 0 : index;
        counters[row] = 0;
    }
}

// grid (slices, rows): ids[r] = argmax(logits[r, :]) for fp32 logits; scratch: slices·rows values and indices, rows counters.
extern "C" __global__ void argmax_f32(const float* __restrict__ logits, int* __restrict__ ids, int cols,
                                      float* sliceValue, int* sliceIndex, int* counters)
{
    argmax_rows(logits, ids, cols, sliceValue, sliceIndex, counters);
}

// Same for logits kept in the activation type.
extern "C" __global__ void argmax_act(const act_t* __restrict__ logits, int* __restrict__ ids, int cols,
                                      float* sliceValue, int* sliceIndex, int* counters)
{
    argmax_rows(logits, ids, cols, sliceValue, sliceIndex, counters);
}
