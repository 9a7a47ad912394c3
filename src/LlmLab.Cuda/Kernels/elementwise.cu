// elementwise.cu: the small row-wise ops of a decoder step: SwiGLU, residual add, bias add, last-row gather.
#include "common.cuh"

// y = silu(gate) · up = gate · sigmoid(gate) · up over n elements (y may be gate).
extern "C" __global__ void swiglu(const act_t* gate, const act_t* __restrict__ up, act_t* y, long long n)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        float g = to_float(gate[i]);
        float sig = 1.0f / (1.0f + expf(-g));
        y[i] = from_float<act_t>(sig * g * to_float(up[i]));
    }
}

// residual += delta over n elements.
extern "C" __global__ void add_inplace(act_t* residual, const act_t* __restrict__ delta, long long n)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        residual[i] = from_float<act_t>(to_float(residual[i]) + to_float(delta[i]));
}

// y[r, c] += bias[c] for y [rows, cols] of act_t (after a cuBLASLt product; the GEMV adds its bias itself).
extern "C" __global__ void add_bias(act_t* y, const float* __restrict__ bias, int cols, long long n)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = from_float<act_t>(to_float(y[i]) + bias[i % cols]);
}

// Same for fp32 outputs (logits with a bias never occur in the supported models, kept for completeness).
extern "C" __global__ void add_bias_f32(float* y, const float* __restrict__ bias, int cols, long long n)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] += bias[i % cols];
}

// grid (batch): y[b, :] = x[b·tokensPerSeq + tokensPerSeq − 1, :].
extern "C" __global__ void last_rows(const act_t* __restrict__ x, act_t* __restrict__ y, int tokensPerSeq, int cols)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const act_t* in = x + ((size_t)blockIdx.x * tokensPerSeq + tokensPerSeq - 1) * cols;
    act_t* out = y + (size_t)blockIdx.x * cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) out[i] = in[i];
}
