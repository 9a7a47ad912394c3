// argmax.cu: greedy decoding on the device: the index of each row's largest logit (first index on ties).
// A 128k-entry row is too much for one block, so each row is split over gridDim.x blocks; every block reduces
// its slice to (value, index) and the last block of the row to finish (counted in `counters`, which it resets)
// reduces the slices. With `host` (pinned host memory the device writes directly: a queued read of the ids, see
// CudaBackend.QueuedReads.cs), the block that finishes a row also writes its id to host[4 + row] and the status word
// to host[0], so reading the tokens back needs no copy on the stream.
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

// The finished row's id, into ids and (when given) the host slot with the status word.
__device__ __forceinline__ void write_id(int* ids, int row, int index, volatile int* host, const volatile int* status)
{
    const int id = index == 0x7fffffff ? 0 : index;
    ids[row] = id;
    if (host != 0)
    {
        host[4 + row] = id;
        host[0] = *status;
    }
}

template <typename T>
__device__ __forceinline__ void argmax_rows(const T* __restrict__ logits, int* __restrict__ ids, int cols,
                                            float* __restrict__ sliceValue, int* __restrict__ sliceIndex, int* __restrict__ counters,
                                            int* host, const int* status)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const int row = blockIdx.y, slices = gridDim.x;
    // fp32 rows of a multiple of 4 are read as float4 (slices start on 16-byte boundaries): one load per thread
    // for a 2048-wide slice.
    const bool vector = sizeof(T) == 4 && (cols & 3) == 0;
    const int per = vector ? (((cols + slices - 1) / slices + 3) & ~3) : (cols + slices - 1) / slices;
    const int begin = blockIdx.x * per, end = min(cols, begin + per);
    const T* in = logits + (size_t)row * cols;
    float best = neg_inf();
    int index = 0x7fffffff;
    if (vector)
    {
#pragma unroll 2
        for (int i = begin + 4 * threadIdx.x; i < end; i += 4 * blockDim.x)
        {
            const float4 v = __ldcg(reinterpret_cast<const float4*>(in + i));
            better(best, index, v.x, i); better(best, index, v.y, i + 1); better(best, index, v.z, i + 2); better(best, index, v.w, i + 3);
        }
    }
    else
        for (int i = begin + threadIdx.x; i < end; i += blockDim.x) better(best, index, to_float(in[i]), i);
    block_argmax(best, index);
    if (slices == 1)
    {
        if (threadIdx.x == 0) write_id(ids, row, index, host, status);
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
        write_id(ids, row, index, host, status);
        counters[row] = 0;
    }
}

// grid (slices, rows): ids[r] = argmax(logits[r, :]) for fp32 logits; scratch: slices·rows values and indices, rows
// counters; host and status: see above (host 0: none).
extern "C" __global__ void argmax_f32(const float* __restrict__ logits, int* __restrict__ ids, int cols,
                                      float* sliceValue, int* sliceIndex, int* counters, int* host, const int* status)
{
    argmax_rows(logits, ids, cols, sliceValue, sliceIndex, counters, host, status);
}

// Same for logits kept in the activation type.
extern "C" __global__ void argmax_act(const act_t* __restrict__ logits, int* __restrict__ ids, int cols,
                                      float* sliceValue, int* sliceIndex, int* counters, int* host, const int* status)
{
    argmax_rows(logits, ids, cols, sliceValue, sliceIndex, counters, host, status);
}
