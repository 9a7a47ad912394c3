// gemv.cu: y[n, m] = x[n, k] · W[m, k]ᵀ (+ bias[m]) for the few rows of a decode step (n ≤ 4).
//
// Decode is bound by memory bandwidth: every weight byte is read once per step, so the kernel is built to
// stream W: GEMV_SPLIT warps per output feature, 16-byte loads, GEMV_UNROLL loads per lane per batch with the
// next batch loaded before the current one is used, and all n rows of x multiplied with each weight vector
// (x, a few KB, stays in L1/L2). Weights never change, so the first batch is fetched before waiting for the
// previous kernel (programmatic dependent launch), and weights are marked first to leave L2, so the KV cache
// and activations stay there.
//
// One launch can serve up to three products that share x (q, k and v of a layer): the grid covers their rows
// one after another. The gate/up variant computes a row of both MLP products and writes up and
// silu(gate)·up, exactly what MatMul(gate), MatMul(up) and SwiGlu(gate, up, gate) leave in memory.
// Fused decode ops (one kernel instead of three per layer):
//  - residual epilogue (gemv<N>_act with `residual`): residual += y, each rounded as AddRmsNorm rounds it; with
//    `stats`, also the next RMSNorm's input statistics: u = residual·w (w: that norm's weight, per output feature)
//    and Σ residual² added to stats[n] (one atomic per block and row of x).
//  - *_norm: the product of h = RMSNorm(residual)·w = u / rms, taken as (x = u)·Wᵀ scaled by 1/rms from stats, so
//    the norm costs no kernel and nothing before the weight loop; block 0 also writes h.
//  - gemv_qkv_rope: q/k/v with RoPE and the KV-cache write (a warp computes the two rows of a rotated pair).
// Requires k % (16 / sizeof(act_t)) == 0.
// With GEMV_FP8 the weights are FP8 rows (TensorFormat.FP8 as the backend places it): k E4M3 codes, the row's fp32
// scale, 12 bytes to the next row (a stride of k + 16; k % 32 == 0); 16-byte loads bring 16 codes, decoded exactly
// (e4m3x4), and each row's dot is multiplied by its scale before any epilogue, so every kernel below serves FP8 too.
#include "common.cuh"

#ifdef GEMV_FP8
typedef unsigned char w_t;
#define W_PER_LOAD 16
// Bytes from row 0 to row r of an FP8 matrix with rows of k codes.
__device__ __forceinline__ size_t row_offset(int r, int k) { return (size_t)r * (k + 16); }
#else
typedef act_t w_t;
#define W_PER_LOAD (16 / (int)sizeof(act_t))
__device__ __forceinline__ size_t row_offset(int r, int k) { return (size_t)r * k; }
#endif

#ifndef GEMV_WARPS
#define GEMV_WARPS 4    // warps per block: small blocks, so even 1024-row matrices spread over every SM
#endif
#ifndef GEMV_SPLIT
#define GEMV_SPLIT 1    // warps sharing one output feature (split over k, summed in shared memory)
#endif
#ifndef GEMV_UNROLL
#define GEMV_UNROLL 4   // 16-byte loads per lane per batch; two batches (current, next) in flight
#endif
#ifndef GEMV_EVICT_FIRST
#define GEMV_EVICT_FIRST 1   // weights leave L2 first (read once per step; the KV cache and activations are reused)
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
#if __CUDA_ARCH__ >= 800 && GEMV_EVICT_FIRST
    unsigned long long policy;
    asm("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
    asm("ld.global.nc.L1::no_allocate.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;"
        : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p), "l"(policy));
#elif __CUDA_ARCH__ >= 800
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
#else
    asm("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
#endif
    return r;
}

// With NORM, after the weight loop: the rows' 1/rms from the producer's statistics (ss[n] = Σ residual²), and block 0
// writes h = u / rms (the norm's output, as the unfused ops leave it). Every thread of the block calls it.
template <int N>
__device__ __forceinline__ void norm_scale(const float (&ss)[N], int k, float eps, const act_t* __restrict__ u, act_t* h, float (&inv)[N])
{
#pragma unroll
    for (int n = 0; n < N; n++) inv[n] = 1.0f / sqrtf(ss[n] / k + eps);
    if (blockIdx.x != 0 || h == 0) return;
    const int V = Vec16<act_t>::N, chunks = k / V;
#pragma unroll
    for (int n = 0; n < N; n++)
        for (int c = threadIdx.x; c < chunks; c += blockDim.x)
        {
            float v[V];
            load16(u + (size_t)n * k + (size_t)c * V, v);
#pragma unroll
            for (int e = 0; e < V; e++) v[e] *= inv[n];
            store16(h + (size_t)n * k + (size_t)c * V, v);
        }
}

// Dot products of W weight rows (wr) with the n rows of x, over this lane's chunks; summed over the warp and
// over the GEMV_SPLIT warps of the row. With NORM, x is u = residual·w of a norm whose statistics are in ss (see
// above) and the sums are scaled by 1/rms: the products of h = RMSNorm(residual)·w. Every thread of the block must
// call it (it may synchronise the block).
template <int N, int W, bool NORM>
__device__ __forceinline__ void dot_rows(const w_t* const (&wr)[W], const act_t* __restrict__ x, int k, float (&acc)[W][N],
                                         const float* __restrict__ ss, float eps, act_t* h)
{
    const int V = W_PER_LOAD;   // weights per 16-byte load (x takes V / Vec16<act_t>::N loads for them)
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
    float sums[N];   // the norm's Σ residual², loaded now and used after the loop
    if constexpr (NORM)
#pragma unroll
        for (int n = 0; n < N; n++) sums[n] = __ldcg(ss + n);

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
#pragma unroll
                    for (int h = 0; h < V; h += Vec16<act_t>::N) load16(x + (size_t)n * k + (size_t)c * V + h, xf + h);
#pragma unroll
                    for (int w = 0; w < W; w++)
                    {
                        float wf[V];
#ifdef GEMV_FP8
                        e4m3x4(cur[w][u].x, wf); e4m3x4(cur[w][u].y, wf + 4); e4m3x4(cur[w][u].z, wf + 8); e4m3x4(cur[w][u].w, wf + 12);
#else
                        unpack(cur[w][u], wf, act_t());
#endif
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
#ifdef GEMV_FP8
#pragma unroll
    for (int w = 0; w < W; w++)
    {
        const float scale = fp8_scale(wr[w], k);
#pragma unroll
        for (int n = 0; n < N; n++) acc[w][n] *= scale;
    }
#endif
    if constexpr (NORM)
    {
        float inv[N];
        norm_scale<N>(sums, k, eps, x, h, inv);
#pragma unroll
        for (int w = 0; w < W; w++)
#pragma unroll
            for (int n = 0; n < N; n++) acc[w][n] *= inv[n];
    }
}

// Up to three products sharing x: rows [0, m0) of W0, then [0, m1) of W1, then [0, m2) of W2 (m1 = m2 = 0 for one).
// With `residual` (act_t outputs, one product whose rows are the residual's width): residual[n, r] += y[n, r]; with
// `stats` too, the next norm's u[n, r] = residual[n, r]·nextW[r] and stats[n] += Σ residual[n, r]² over the block's rows.
// (Two adjacent rows per warp measured slower: 8B −4.5%, 1B −2%, run 9.)
template <int N, typename Y, bool NORM>
__device__ __forceinline__ void gemv(const act_t* __restrict__ x, int k,
                                     const w_t* w0, const float* b0, Y* y0, int m0,
                                     const w_t* w1, const float* b1, Y* y1, int m1,
                                     const w_t* w2, const float* b2, Y* y2, int m2,
                                     act_t* residual, const float* __restrict__ nextW, act_t* u, float* stats,
                                     const float* __restrict__ ss, float eps, act_t* h)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int r = blockIdx.x * GEMV_ROWS + warp / GEMV_SPLIT;
    const w_t* w = w0; const float* b = b0; Y* y = y0; int m = m0;
    if (r >= m0) { r -= m0; w = w1; b = b1; y = y1; m = m1; if (r >= m1) { r -= m1; w = w2; b = b2; y = y2; m = m2; } }
    const bool valid = r < m;
    const w_t* rows[1] = { valid ? w + row_offset(r, k) : w0 };   // idle warps read row 0 of W0 (always present)
    float acc[1][N];
    dot_rows<N, 1, NORM>(rows, x, k, acc, ss, eps, h);
    float squares[N];
#pragma unroll
    for (int n = 0; n < N; n++) squares[n] = 0.0f;
    if (valid && lane == 0 && warp % GEMV_SPLIT == 0)
    {
        float bias = b != 0 ? b[r] : 0.0f;
#pragma unroll
        for (int n = 0; n < N; n++)
        {
            const Y value = from_float<Y>(acc[0][n] + bias);
            y[(size_t)n * m + r] = value;
            if (residual != 0)
            {
                act_t* at = residual + (size_t)n * m + r;
                const act_t sum = from_float<act_t>(to_float(*at) + to_float(value));
                *at = sum;
                if (stats != 0)
                {
                    const float v = to_float(sum);
                    u[(size_t)n * m + r] = from_float<act_t>(v * nextW[r]);
                    squares[n] = v * v;
                }
            }
        }
    }
    if (stats != 0)   // the same for the whole block: one atomic per row of x with the block's sum
    {
        __shared__ float rowSquares[GEMV_ROWS][N];
        if (lane == 0 && warp % GEMV_SPLIT == 0)
#pragma unroll
            for (int n = 0; n < N; n++) rowSquares[warp / GEMV_SPLIT][n] = squares[n];
        __syncthreads();
        if (threadIdx.x < N)
        {
            float s = 0.0f;
#pragma unroll
            for (int i = 0; i < GEMV_ROWS; i++) s += rowSquares[i][threadIdx.x];
            atomicAdd(stats + threadIdx.x, s);
        }
    }
}

// MLP gate and up rows together: up = x·Wuᵀ, gate = silu(x·Wgᵀ) · up, each rounded as the separate ops round.
template <int N, bool NORM>
__device__ __forceinline__ void gemv_gate_up(const act_t* __restrict__ x, int k, const w_t* wg, const float* bg, act_t* gate,
                                             const w_t* wu, const float* bu, act_t* up, int m,
                                             const float* __restrict__ ss, float eps, act_t* h)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int r = blockIdx.x * GEMV_ROWS + warp / GEMV_SPLIT;
    const bool valid = r < m;
    const size_t offset = row_offset(valid ? r : 0, k);
    const w_t* rows[2] = { wg + offset, wu + offset };
    float acc[2][N];
    dot_rows<N, 2, NORM>(rows, x, k, acc, ss, eps, h);
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

// q, k and v of a decode step with RoPE and the KV-cache write, as MatMul ×3 then RopeAndCache leave memory.
// Work items are rotated pairs: pair i of a head is rows (i, i + headDim/2); a warp (group) computes both rows,
// rotates them at the row's position (q and k) and writes them (k and v also into this layer's cache).
// An invalid position leaves the products unrotated and uncached and raises STATUS_BAD_POSITION, as rope.cu does.
template <int N, bool NORM>
__device__ __forceinline__ void gemv_qkv_rope(const act_t* __restrict__ x, int k,
                                              const w_t* wq, const float* bq, act_t* q, int mq,
                                              const w_t* wk, const float* bk, act_t* kk, int mk,
                                              const w_t* wv, const float* bv, act_t* v, int mv,
                                              const float* __restrict__ ss, float eps, act_t* h,
                                              const float* __restrict__ cosTable, const float* __restrict__ sinTable,
                                              const int* __restrict__ positions, act_t* kCache, act_t* vCache,
                                              int headDim, int tokensPerSeq, int maxSeq, int maxPositions, int* __restrict__ status)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int half = headDim / 2;
    int p = blockIdx.x * GEMV_ROWS + warp / GEMV_SPLIT;
    int which = 0;
    const w_t* w = wq; const float* b = bq; act_t* y = q; int m = mq;
    if (p >= mq / 2) { p -= mq / 2; which = 1; w = wk; b = bk; y = kk; m = mk; if (p >= mk / 2) { p -= mk / 2; which = 2; w = wv; b = bv; y = v; m = mv; } }
    const bool valid = p < m / 2;
    const int head = p / half, i = p - head * half;
    const int ra = head * headDim + i, rb = ra + half;
    const w_t* rows[2] = { valid ? w + row_offset(ra, k) : wq, valid ? w + row_offset(rb, k) : wq };
    float acc[2][N];
    dot_rows<N, 2, NORM>(rows, x, k, acc, ss, eps, h);
    if (!valid || lane != 0 || warp % GEMV_SPLIT != 0) return;
#pragma unroll
    for (int n = 0; n < N; n++)
    {
        const act_t a1 = from_float<act_t>(acc[0][n] + (b != 0 ? b[ra] : 0.0f));
        const act_t a2 = from_float<act_t>(acc[1][n] + (b != 0 ? b[rb] : 0.0f));
        const int pos = positions[n];
        const bool placed = pos >= 0 && pos < maxSeq && pos < maxPositions;
        act_t r1 = a1, r2 = a2;
        if (which < 2 && placed)
        {
            const float x1 = to_float(a1), x2 = to_float(a2);
            const float c = cosTable[(size_t)pos * half + i], s = sinTable[(size_t)pos * half + i];
            r1 = from_float<act_t>(x1 * c - x2 * s);
            r2 = from_float<act_t>(x2 * c + x1 * s);
        }
        y[(size_t)n * m + ra] = r1;
        y[(size_t)n * m + rb] = r2;
        if (!placed)
        {
            if (which == 0 && p == 0) atomicOr(status, STATUS_BAD_POSITION);
            continue;
        }
        if (which > 0)
        {
            act_t* cache = which == 1 ? kCache : vCache;
            const size_t at = ((size_t)(n / tokensPerSeq) * maxSeq + pos) * m;
            cache[at + ra] = r1;
            cache[at + rb] = r2;
        }
    }
}

// gemv<N>_act[_norm]: up to three products into act_t outputs (optionally with the residual epilogue and statistics);
// gemv<N>_f32: fp32 outputs (logits); gemv_gate_up<N>[_norm]; gemv_qkv_rope<N>[_norm].
// Block: GEMV_WARPS·32 threads; grid: ceil(total rows / GEMV_ROWS) (pairs for qkv_rope).
#define GEMV_PRODUCT_ARGS(Y)                                                                                                  \
    const act_t* __restrict__ x, int k, const w_t* w0, const float* b0, Y* y0, int m0,                                        \
    const w_t* w1, const float* b1, Y* y1, int m1, const w_t* w2, const float* b2, Y* y2, int m2
#define GEMV_QKV_ARGS                                                                                                         \
    const act_t* __restrict__ x, int k, const w_t* wq, const float* bq, act_t* q, int mq,                                     \
    const w_t* wk, const float* bk, act_t* kk, int mk, const w_t* wv, const float* bv, act_t* v, int mv,                     \
    const float* ss, float eps, act_t* h, const float* cosTable, const float* sinTable, const int* positions,                 \
    act_t* kCache, act_t* vCache, int headDim, int tokensPerSeq, int maxSeq, int maxPositions, int* status
#define GEMV_QKV_PASS x, k, wq, bq, q, mq, wk, bk, kk, mk, wv, bv, v, mv, ss, eps, h, cosTable, sinTable, positions, kCache, vCache, \
    headDim, tokensPerSeq, maxSeq, maxPositions, status
#define GEMV_EPILOGUE_ARGS act_t* residual, const float* nextW, act_t* u, float* stats, const float* ss, float eps, act_t* h
#define GEMV_KERNELS(N)                                                                                                       \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_act(GEMV_PRODUCT_ARGS(act_t), GEMV_EPILOGUE_ARGS) \
    { gemv<N, act_t, false>(x, k, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2, residual, nextW, u, stats, ss, eps, h); }  \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_act_norm(GEMV_PRODUCT_ARGS(act_t),               \
        GEMV_EPILOGUE_ARGS)                                                                                                   \
    { gemv<N, act_t, true>(x, k, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2, residual, nextW, u, stats, ss, eps, h); }   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv##N##_f32(GEMV_PRODUCT_ARGS(float), GEMV_EPILOGUE_ARGS) \
    { gemv<N, float, false>(x, k, w0, b0, y0, m0, w1, b1, y1, m1, w2, b2, y2, m2, 0, 0, 0, 0, ss, eps, h); }                 \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_gate_up##N(const act_t* __restrict__ x, int k,         \
        const w_t* wg, const float* bg, act_t* gate, const w_t* wu, const float* bu, act_t* up, int m,                       \
        const float* ss, float eps, act_t* h)                                                                                 \
    { gemv_gate_up<N, false>(x, k, wg, bg, gate, wu, bu, up, m, ss, eps, h); }                                                \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_gate_up##N##_norm(const act_t* __restrict__ x, int k,  \
        const w_t* wg, const float* bg, act_t* gate, const w_t* wu, const float* bu, act_t* up, int m,                       \
        const float* ss, float eps, act_t* h)                                                                                 \
    { gemv_gate_up<N, true>(x, k, wg, bg, gate, wu, bu, up, m, ss, eps, h); }                                                 \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_qkv_rope##N(GEMV_QKV_ARGS)                             \
    { gemv_qkv_rope<N, false>(GEMV_QKV_PASS); }                                                                               \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_qkv_rope##N##_norm(GEMV_QKV_ARGS)                      \
    { gemv_qkv_rope<N, true>(GEMV_QKV_PASS); }

GEMV_KERNELS(1)
GEMV_KERNELS(2)
GEMV_KERNELS(3)
GEMV_KERNELS(4)
