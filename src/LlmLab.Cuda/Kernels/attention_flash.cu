// attention_flash.cu: prefill attention in one kernel on the tensor cores.
#include "attention.cuh"

// ---- Prefill, flash style (bf16 and f16, HEAD_DIM a multiple of 16 up to 128) ----
// One block: FA_ROWS query rows of one head of one sequence, 4 warps of 16 rows. Keys and values go through shared
// memory FA_KEYS at a time; S = Q·Kᵀ and O += P·V run on the tensor cores (mma m16n8k16, fp32 accumulation), with
// the online softmax in registers, so no score matrix is ever written. P is rounded to act_t for P·V, as the
// cuBLASLt path rounds its probabilities. Rows past the chunk (a partial last tile) are computed and dropped.
#define FA_ROWS 64
#define FA_KEYS 64
#define FA_PAD 8   // act_t elements of padding per shared row: rows 16 bytes apart in banks, no conflicts

__device__ __forceinline__ void mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1, bf16)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3]) : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ void mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1, f16)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3]) : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <typename T>
__device__ __forceinline__ unsigned pair_bits(const T* p) { return *reinterpret_cast<const unsigned*>(p); }

template <typename T>
__device__ __forceinline__ unsigned join_bits(T lo, T hi) { return (unsigned)lo.bits | ((unsigned)hi.bits << 16); }

template <typename T>
__device__ __forceinline__ void flash_prefill(const T* __restrict__ q, const kv_t* __restrict__ kCache, const kv_t* __restrict__ vCache,
                                              const int* __restrict__ positions, T* __restrict__ out,
                                              int heads, int kvHeads, int tokens, int maxSeq, int window, float scaleLog2)
{
    const int KSTEPS = HEAD_DIM / 16, DTILES = HEAD_DIM / 8, NTILES = FA_KEYS / 8, VPR = HEAD_DIM / 8;
    __shared__ __align__(16) T kTile[FA_KEYS][HEAD_DIM + FA_PAD];
    __shared__ __align__(16) T vTile[FA_KEYS][HEAD_DIM + FA_PAD];
    __shared__ int span[2][4];
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, c2 = (lane & 3) * 2;
    const int h = blockIdx.y, b = blockIdx.z, kvHead = h / (heads / kvHeads);
    const int qDim = heads * HEAD_DIM, kvDim = kvHeads * HEAD_DIM;
    const int rowA = blockIdx.x * FA_ROWS + warp * 16 + g, rowB = rowA + 8;
    const int posA = rowA < tokens ? positions[b * tokens + rowA] : -1;
    const int posB = rowB < tokens ? positions[b * tokens + rowB] : -1;
    const int firstA = window > 0 ? posA - window + 1 : 0, firstB = window > 0 ? posB - window + 1 : 0;

    // The keys any row of the block sees: [kBegin, kEnd).
    int hi = min(max(posA, posB) + 1, maxSeq), lo = min(posA >= 0 ? firstA : 1 << 30, posB >= 0 ? firstB : 1 << 30);
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
    {
        hi = max(hi, __shfl_xor_sync(FULL_MASK, hi, offset));
        lo = min(lo, __shfl_xor_sync(FULL_MASK, lo, offset));
    }
    if (lane == 0) { span[0][warp] = hi; span[1][warp] = lo; }
    __syncthreads();
    const int kEnd = max(max(span[0][0], span[0][1]), max(span[0][2], span[0][3]));
    const int kBegin = max(0, min(min(span[1][0], span[1][1]), min(span[1][2], span[1][3])));

    unsigned qf[KSTEPS][4];
    const T* qA = q + (size_t)(b * tokens + rowA) * qDim + h * HEAD_DIM;
    const T* qB = q + (size_t)(b * tokens + rowB) * qDim + h * HEAD_DIM;
#pragma unroll
    for (int ks = 0; ks < KSTEPS; ks++)
    {
        const int col = ks * 16 + c2;
        qf[ks][0] = posA >= 0 ? pair_bits(qA + col) : 0u;
        qf[ks][1] = posB >= 0 ? pair_bits(qB + col) : 0u;
        qf[ks][2] = posA >= 0 ? pair_bits(qA + col + 8) : 0u;
        qf[ks][3] = posB >= 0 ? pair_bits(qB + col + 8) : 0u;
    }
    float o[DTILES][4];
#pragma unroll
    for (int d = 0; d < DTILES; d++) o[d][0] = o[d][1] = o[d][2] = o[d][3] = 0.0f;
    float mA = neg_inf(), mB = neg_inf(), lA = 0.0f, lB = 0.0f;

    for (int kb = kBegin / FA_KEYS * FA_KEYS; kb < kEnd; kb += FA_KEYS)
    {
        __syncthreads();
        for (int i = threadIdx.x; i < FA_KEYS * VPR; i += blockDim.x)
        {
            const int key = i / VPR, c = (i - key * VPR) * 8, j = kb + key;
#if KV_FORMAT == KV_ACT
            uint4 kv, vv;
            kv.x = kv.y = kv.z = kv.w = 0;
            vv = kv;
            if (j < kEnd)
            {
                const size_t at = ((size_t)b * maxSeq + j) * kvDim + kvHead * HEAD_DIM + c;
                kv = *reinterpret_cast<const uint4*>(kCache + at);
                vv = *reinterpret_cast<const uint4*>(vCache + at);
            }
            *reinterpret_cast<uint4*>(&kTile[key][c]) = kv;
            *reinterpret_cast<uint4*>(&vTile[key][c]) = vv;
#else
            // A quantized cache is decoded on the way into shared memory (8 elements, one KvSlice: T is 16-bit here),
            // rounded to T for the tensor cores as a compute-type cache would hold them.
            KvSlice ks, vs;
            kv_clear(ks);
            kv_clear(vs);
            if (j < kEnd)
            {
                const size_t at = (((size_t)b * maxSeq + j) * kvHeads + kvHead) * KV_HEAD_UNITS;
                kv_load(ks, kCache + at, c);
                kv_load(vs, vCache + at, c);
            }
            float kf[8], vf[8];
            kv_unpack(ks, kf);
            kv_unpack(vs, vf);
            store16(&kTile[key][c], kf);
            store16(&vTile[key][c], vf);
#endif
        }
        __syncthreads();

        float s[NTILES][4];
#pragma unroll
        for (int nt = 0; nt < NTILES; nt++)
        {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
#pragma unroll
            for (int ks = 0; ks < KSTEPS; ks++)
                mma16816(s[nt], qf[ks], pair_bits(&kTile[nt * 8 + g][ks * 16 + c2]), pair_bits(&kTile[nt * 8 + g][ks * 16 + c2 + 8]), T());
        }
        float mxA = neg_inf(), mxB = neg_inf();
#pragma unroll
        for (int nt = 0; nt < NTILES; nt++)
#pragma unroll
            for (int e = 0; e < 4; e++)
            {
                const int j = kb + nt * 8 + c2 + (e & 1);
                const bool rowIsA = e < 2;
                const int pos = rowIsA ? posA : posB, first = rowIsA ? firstA : firstB;
                const float v = j <= pos && j >= first ? s[nt][e] * scaleLog2 : neg_inf();
                s[nt][e] = v;
                if (rowIsA) mxA = fmaxf(mxA, v); else mxB = fmaxf(mxB, v);
            }
#pragma unroll
        for (int offset = 1; offset < 4; offset <<= 1)
        {
            mxA = fmaxf(mxA, __shfl_xor_sync(FULL_MASK, mxA, offset));
            mxB = fmaxf(mxB, __shfl_xor_sync(FULL_MASK, mxB, offset));
        }
        const float newA = fmaxf(mA, mxA), newB = fmaxf(mB, mxB);
        const float useA = newA == neg_inf() ? 0.0f : newA, useB = newB == neg_inf() ? 0.0f : newB;
        const float corrA = exp2f(mA - useA), corrB = exp2f(mB - useB);
        mA = newA;
        mB = newB;
        lA *= corrA;
        lB *= corrB;
#pragma unroll
        for (int d = 0; d < DTILES; d++)
        {
            o[d][0] *= corrA; o[d][1] *= corrA;
            o[d][2] *= corrB; o[d][3] *= corrB;
        }
#pragma unroll
        for (int nt = 0; nt < NTILES; nt++)
        {
            s[nt][0] = exp2f(s[nt][0] - useA); s[nt][1] = exp2f(s[nt][1] - useA);
            s[nt][2] = exp2f(s[nt][2] - useB); s[nt][3] = exp2f(s[nt][3] - useB);
            lA += s[nt][0] + s[nt][1];
            lB += s[nt][2] + s[nt][3];
        }
        // O += P·V, 16 keys at a time: the S fragments of two key tiles are the A fragment of P.
#pragma unroll
        for (int kc = 0; kc < FA_KEYS / 16; kc++)
        {
            unsigned pa[4];
            pa[0] = pack2(s[2 * kc][0], s[2 * kc][1], T());
            pa[1] = pack2(s[2 * kc][2], s[2 * kc][3], T());
            pa[2] = pack2(s[2 * kc + 1][0], s[2 * kc + 1][1], T());
            pa[3] = pack2(s[2 * kc + 1][2], s[2 * kc + 1][3], T());
            const int k0 = kc * 16 + c2;
#pragma unroll
            for (int d = 0; d < DTILES; d++)
            {
                const int n = d * 8 + g;
                const unsigned b0 = join_bits(vTile[k0][n], vTile[k0 + 1][n]);
                const unsigned b1 = join_bits(vTile[k0 + 8][n], vTile[k0 + 9][n]);
                mma16816(o[d], pa, b0, b1, T());
            }
        }
    }
#pragma unroll
    for (int offset = 1; offset < 4; offset <<= 1)
    {
        lA += __shfl_xor_sync(FULL_MASK, lA, offset);
        lB += __shfl_xor_sync(FULL_MASK, lB, offset);
    }
    const float invA = lA > 0.0f ? 1.0f / lA : 0.0f, invB = lB > 0.0f ? 1.0f / lB : 0.0f;
    T* outA = out + (size_t)(b * tokens + rowA) * qDim + h * HEAD_DIM;
    T* outB = out + (size_t)(b * tokens + rowB) * qDim + h * HEAD_DIM;
#pragma unroll
    for (int d = 0; d < DTILES; d++)
    {
        const int col = d * 8 + c2;
        if (rowA < tokens) *reinterpret_cast<unsigned*>(outA + col) = pack2(o[d][0] * invA, o[d][1] * invA, T());
        if (rowB < tokens) *reinterpret_cast<unsigned*>(outB + col) = pack2(o[d][2] * invB, o[d][3] * invB, T());
    }
}

// The 16-bit types run flash_prefill; fp32 has no such mma (the host uses the cuBLASLt path), so nothing is instantiated.
template <typename T>
__device__ __forceinline__ void flash_dispatch(const T* q, const kv_t* k, const kv_t* v, const int* positions, T* out,
                                               int heads, int kvHeads, int tokens, int maxSeq, int window, float scaleLog2)
{
    flash_prefill<T>(q, k, v, positions, out, heads, kvHeads, tokens, maxSeq, window, scaleLog2);
}
__device__ __forceinline__ void flash_dispatch(const float*, const kv_t*, const kv_t*, const int*, float*, int, int, int, int, int, float) {}

#if HEAD_DIM % 16 == 0 && HEAD_DIM <= 128
// grid (ceil(tokens / FA_ROWS), heads, batch), block 128: q, out [batch·tokens, heads·HEAD_DIM]; positions [batch·tokens];
// the cache as for decode (KV_FORMAT).
extern "C" __global__ void __launch_bounds__(128) flash_prefill_attention(const act_t* __restrict__ q, const kv_t* __restrict__ kCache,
    const kv_t* __restrict__ vCache, const int* __restrict__ positions, act_t* __restrict__ out,
    int heads, int kvHeads, int tokens, int maxSeq, int window, float scaleLog2)
{
    flash_dispatch(q, kCache, vCache, positions, out, heads, kvHeads, tokens, maxSeq, window, scaleLog2);
}
#endif
