// gemv.cu: y[n, m] = x[n, k] · W[m, k]ᵀ (+ bias[m]) for the few rows of a decode step (n ≤ 4).
//
// Decode is bound by memory bandwidth: every weight byte is read once per step, so the kernel is built to
// stream W: GEMV_SPLIT warps per output feature, 16-byte loads, GEMV_UNROLL loads per lane per batch with the
// next batch loaded before the current one is used, and all n rows of x multiplied with each weight vector
// (x, a few KB, stays in L1/L2). Weights never change, so the first batch is fetched before waiting for the
// previous kernel (programmatic dependent launch).
//
// One launch can serve up to three products that share x (q, k and v of a layer): the grid covers their rows
// one after another. The gate/up variant computes a row of both MLP products and writes up and
// silu(gate)·up, exactly what MatMul(gate), MatMul(up) and SwiGlu(gate, up, gate) leave in memory.
// Requires k % (16 / sizeof(act_t)) == 0.
#include "common.cuh"

#ifndef GEMV_WARPS
#define GEMV_WARPS 4    // warps per block: small blocks, so even 1024-row matrices spread over every SM
#endif
#ifndef GEMV_SPLIT
#define GEMV_SPLIT 1    // warps sharing one output feature (split over k, summed in shared memory)
#endif
#ifndef GEMV_UNROLL
#define GEMV_UNROLL 4   // 16-byte loads per lane per batch; two batches (current, next) in flight
#endif
#define GEMV_ROWS (GEMV_WARPS / GEMV_SPLIT)

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

// Dot products of one weight row (wr) with the n rows of x, over this lane's chunks; summed over the warp and
// over the GEMV_SPLIT warps of the row. Every thread of the block must call it (it may synchronise the block).
template <int N, int W>
__device__ __forceinline__ void dot_rows(const act_t* const (&wr)[W], const act_t* __restrict__ x, int k, float (&acc)[W][N])
{
    const int V = Vec16<act_t>::N;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int part = warp % GEMV_SPLIT;
    const int chunks = k / V;
    const int stride = 32 * GEMV_SPLIT;
    const int first = part * 32 + lane;

    uint4 next[W][GEMV_UNROLL];
#pragma unroll
    for (int w = 0; w < W; w++)
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++)
        {
            int c = first + u * stride;
            next[w][u] = c < chunks ? load_weight(wr[w] + (size_t)c * V) : zero4();
        }
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();

#pragma unroll
    for (int w = 0; w < W; w++)
#pragma unroll
        for (int n = 0; n < N; n++) acc[w][n] = 0.0f;

    for (int base = first; base < chunks; base += stride * GEMV_UNROLL)
    {
        uint4 cur[W][GEMV_UNROLL];
#pragma unroll
        for (int w = 0; w < W; w++)
#pragma unroll
            for (int u = 0; u < GEMV_UNROLL; u++)
            {
                cur[w][u] = next[w][u];
                int c = base + (GEMV_UNROLL + u) * stride;
                next[w][u] = c < chunks ? load_weight(wr[w] + (size_t)c * V) : zero4();
            }
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++)
        {
            int c = base + u * stride;
            if (c < chunks)
            {
#pragma unroll
                for (int n = 0; n < N; n++)
                {
                    float xf[V];
                    load16(x + (size_t)n * k + (size_t)c * V, xf);
#pragma unroll
                    for (int w = 0; w < W; w++)
                    {
                        float wf[V];
                        unpack(cur[w][u], wf, act_t());
#pragma unroll
                        for (int v = 0; v < V; v++) acc[w][n] = fmaf(wf[v], xf[v], acc[w][n]);
                    }
                }
            }
        }
    }
#pragma unroll
    for (int w = 0; w < W; w++)
#pragma unroll
        for (int n = 0; n < N; n++) acc[w][n] = warp_sum(acc[w][n]);
#if GEMV_SPLIT > 1
    __shared__ float partial[GEMV_WARPS][W][N];
    if (lane == 0)
#pragma unroll
        for (int w = 0; w < W; w++)
#pragma unroll
            for (int n = 0; n < N; n++) partial[warp][w][n] = acc[w][n];
    __syncthreads();
    if (part == 0)
#pragma unroll
        for (int w = 0; w < W; w++)
#pragma unroll
            for (int n = 0; n < N; n++)
            {
                float s = 0.0f;
#pragma unroll
                for (int p = 0; p < GEMV_SPLIT; p++) s += partial[warp + p][w][n];
                acc[w][n] = s;
            }
#endif
}

// Up to three products sharing x: rows [0, m0) of W0, then [0, m1) of W1, then [0, m2) of W2 (m1 = m2 = 0 for one).
template <int N, typename Y>
__device__ __forceinline__ void gemv(const act_t* __restrict__ x, int k,
                                     const act_t* w0, const float* b0, Y* y0, int m0,
                                     const act_t* w1, const float* b1, Y* y1, int m1,
                                     const act_t* w2, const float* b2, Y* y2, int m2)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int r = blockIdx.x * GEMV_ROWS + warp / GEMV_SPLIT;
    const act_t* w = w0; const float* b = b0; Y* y = y0; int m = m0;
    if (r >= m0) { r -= m0; w = w1; b = b1; y = y1; m = m1; if (r >= m1) { r -= m1; w = w2; b = b2; y = y2; m = m2; } }
    const bool valid = r < m;
    const act_t* rows[1] = { valid ? w + (size_t)r * k : w0 };   // idle warps read row 0 of W0 (always present)
    float acc[1][N];
    dot_rows<N, 1>(rows, x, k, acc);
    if (valid && lane == 0 && warp % GEMV_SPLIT == 0)
    {
        float bias = b != 0 ? b[r] : 0.0f;
#pragma unroll
        for (int n = 0; n < N; n++) y[(size_t)n * m + r] = from_float<Y>(acc[0][n] + bias);
    }
}

// MLP gate and up rows together: up = x·Wuᵀ, gate = silu(x·Wgᵀ) · up, each rounded as the separate ops round.
template <int N>
__device__ __forceinline__ void gemv_gate_up(const act_t* __restrict__ x, int k, const act_t* wg, const float* bg, act_t* gate,
                                             const act_t* wu, const float* bu, act_t* up, int m)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int r = blockIdx.x * GEMV_ROWS + warp / GEMV_SPLIT;
    const bool valid = r < m;
    const size_t offset = (size_t)(valid ? r : 0) * k;
    const act_t* rows[2] = { wg + offset, wu + offset };
    float acc[2][N];
    dot_rows<N, 2>(rows, x, k, acc);
    if (valid && lane == 0 && warp % GEMV_SPLIT == 0)
    {
#pragma unroll
        for (int n = 0; n < N; n++)
        {
            float g = to_float(from_float<act_t>(acc[0][n] + (bg != 0 ? bg[r] : 0.0f)));
            act_t u = from_float<act_t>(acc[1][n] + (bu != 0 ? bu[r] : 0.0f));
            float sig = 1.0f / (1.0f + expf(-g));
            up[(size_t)n * m + r] = u;
            gate[(size_t)n * m + r] = from_float<act_t>(sig * g * to_float(u));
        }
    }
}

// gemv<N>_act: up to three products into act_t outputs; gemv<N>_f32: fp32 outputs (logits); gemv_gate_up<N>.
// Block: GEMV_WARPS·32 threads; grid: ceil(total rows / GEMV_ROWS).
#define GEMV_KERNELS(N)                                                                                                       \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_act(const act_t* __restrict__ x, int k,           \
        const act_t* w0, const float* b0, act_t* y0, int m0, const act_t* w1, const float* b1, act_t* y1, int m1,            \
        const act_t* w2, const float* b2, act_t* y2, int m2)                                                                  \
    { gemv<N, act_t>(x, k, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2); }                                                 \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_f32(const act_t* __restrict__ x, int k,           \
        const act_t* w0, const float* b0, float* y0, int m0, const act_t* w1, const float* b1, float* y1, int m1,            \
        const act_t* w2, const float* b2, float* y2, int m2)                                                                  \
    { gemv<N, float>(x, k, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2); }                                                 \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_gate_up##N(const act_t* __restrict__ x, int k,         \
        const act_t* wg, const float* bg, act_t* gate, const act_t* wu, const float* bu, act_t* up, int m)                   \
    { gemv_gate_up<N>(x, k, wg, bg, gate, wu, bu, up, m); }

GEMV_KERNELS(1)
GEMV_KERNELS(2)
GEMV_KERNELS(3)
GEMV_KERNELS(4)
