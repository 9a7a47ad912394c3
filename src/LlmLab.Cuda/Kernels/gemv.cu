// gemv.cu: y[n, m] = x[n, k] · W[m, k]ᵀ (+ bias[m]) for the few rows of a decode step (n ≤ 8).
//
// Decode is bound by memory bandwidth: every weight byte is read once per step, so the kernel is built to
// stream W: one warp per output feature, 16-byte loads, GEMV_UNROLL loads per lane in flight, the next batch
// loaded before the current one is used, and all n rows of x multiplied with each loaded weight vector.
// x (a few KB) stays in L1/L2. Weights never change, so the first batch is fetched before waiting for the
// previous kernel (programmatic dependent launch). Requires k % (16 / sizeof(act_t)) == 0.
#include "common.cuh"

#define GEMV_WARPS 4    // rows per block: 4 warps keep blocks small, so even 1024-row matrices fill every SM
#define GEMV_UNROLL 4   // 16-byte loads per lane per batch; two batches (current, next) in flight

__device__ __forceinline__ uint4 zero4()
{
    uint4 z;
    z.x = 0; z.y = 0; z.z = 0; z.w = 0;
    return z;
}

// A weight load that skips L1 (each weight byte is used once per step) and uses the non-coherent path.
__device__ __forceinline__ uint4 load_weight(const void* p)
{
    uint4 r;
#if __CUDA_ARCH__ >= 800
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
#else
    asm("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
#endif
    return r;
}

template <int N, typename Y>
__device__ __forceinline__ void gemv(const act_t* __restrict__ w, const act_t* __restrict__ x, const float* __restrict__ bias,
                                     Y* __restrict__ y, int m, int k)
{
    const int V = Vec16<act_t>::N;
    const int lane = threadIdx.x & 31;
    const int row = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);
    const bool valid = row < m;
    const int chunks = k / V;
    const act_t* wr = w + (size_t)(valid ? row : 0) * k;

    uint4 next[GEMV_UNROLL];
#pragma unroll
    for (int u = 0; u < GEMV_UNROLL; u++)
    {
        int c = lane + u * 32;
        next[u] = c < chunks ? load_weight(wr + (size_t)c * V) : zero4();
    }
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();

    float acc[N];
#pragma unroll
    for (int n = 0; n < N; n++) acc[n] = 0.0f;

    for (int base = lane; base < chunks; base += 32 * GEMV_UNROLL)
    {
        uint4 cur[GEMV_UNROLL];
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++) cur[u] = next[u];
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++)
        {
            int c = base + (GEMV_UNROLL + u) * 32;
            next[u] = c < chunks ? load_weight(wr + (size_t)c * V) : zero4();
        }
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++)
        {
            int c = base + u * 32;
            if (c < chunks)
            {
                float wf[V];
                unpack(cur[u], wf, act_t());
#pragma unroll
                for (int n = 0; n < N; n++)
                {
                    float xf[V];
                    load16(x + (size_t)n * k + (size_t)c * V, xf);
#pragma unroll
                    for (int v = 0; v < V; v++) acc[n] = fmaf(wf[v], xf[v], acc[n]);
                }
            }
        }
    }
#pragma unroll
    for (int n = 0; n < N; n++) acc[n] = warp_sum(acc[n]);
    if (valid && lane == 0)
    {
        float b = bias != 0 ? bias[row] : 0.0f;
#pragma unroll
        for (int n = 0; n < N; n++) y[(size_t)n * m + row] = from_float<Y>(acc[n] + b);
    }
}

// gemv<N>_act writes act_t outputs, gemv<N>_f32 fp32 outputs (logits). Block: GEMV_WARPS·32 threads; grid: ceil(m / GEMV_WARPS).
#define GEMV_KERNELS(N)                                                                                                        \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_act(                                               \
        const act_t* __restrict__ w, const act_t* __restrict__ x, const float* __restrict__ bias, act_t* __restrict__ y, int m, int k) \
    { gemv<N, act_t>(w, x, bias, y, m, k); }                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_f32(                                               \
        const act_t* __restrict__ w, const act_t* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y, int m, int k) \
    { gemv<N, float>(w, x, bias, y, m, k); }

GEMV_KERNELS(1)
GEMV_KERNELS(2)
GEMV_KERNELS(3)
GEMV_KERNELS(4)
GEMV_KERNELS(5)
GEMV_KERNELS(6)
GEMV_KERNELS(7)
GEMV_KERNELS(8)
