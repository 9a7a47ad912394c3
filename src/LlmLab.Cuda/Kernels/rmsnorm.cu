// rmsnorm.cu: RMSNorm over groups of a row (whole row, or one head for q/k norm), and the fused
// residual-add + RMSNorm of a pre-norm block boundary. fp32 math: y = x / sqrt(mean(x²) + eps) · w.
#include "common.cuh"

// grid (groups, rows); one block per group of `group` elements. y may be x (each thread reads its elements
// before the block-wide sum and writes them after).
extern "C" __global__ void rms_norm(const act_t* x, const float* __restrict__ w, float eps, act_t* y, int cols, int group)
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

// grid (rows); residual += delta (rounded to act_t, as stored), then y = RMSNorm(residual) · w.
extern "C" __global__ void add_rms_norm(act_t* residual, const act_t* delta, const float* __restrict__ w, float eps, act_t* y, int cols)
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
