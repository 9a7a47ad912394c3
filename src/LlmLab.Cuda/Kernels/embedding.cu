// embedding.cu: token-embedding gather.
#include "common.cuh"

// y[r, :] = table[ids[r], :] for each row r (grid: one block per row). An id outside [0, vocab) raises
// STATUS_BAD_TOKEN and writes zeros, so the host can report it at the next synchronisation.
// The gather starts every forward step, so block 0 also clears the step's norm statistics (statsCount floats that the
// products' residual epilogues accumulate into, gemv.cu); everything that read them last step has finished.
extern "C" __global__ void embedding(const int* __restrict__ ids, const act_t* __restrict__ table, act_t* __restrict__ y,
                                     int vocab, int cols, int* __restrict__ status, float* __restrict__ stats, int statsCount)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    if (blockIdx.x == 0)
        for (int i = threadIdx.x; i < statsCount; i += blockDim.x) stats[i] = 0.0f;
    const int row = blockIdx.x;
    const int id = ids[row];
    act_t* out = y + (size_t)row * cols;
    if (id < 0 || id >= vocab)
    {
        if (threadIdx.x == 0) atomicOr(status, STATUS_BAD_TOKEN);
        for (int i = threadIdx.x; i < cols; i += blockDim.x) out[i] = from_float<act_t>(0.0f);
        return;
    }
    const act_t* in = table + (size_t)id * cols;
    const int vec = Vec16<act_t>::N;
    if (cols % vec == 0)
    {
        const uint4* src = reinterpret_cast<const uint4*>(in);
        uint4* dst = reinterpret_cast<uint4*>(out);
        for (int i = threadIdx.x; i < cols / vec; i += blockDim.x) dst[i] = __ldg(src + i);
    }
    else
    {
        for (int i = threadIdx.x; i < cols; i += blockDim.x) out[i] = in[i];
    }
}
