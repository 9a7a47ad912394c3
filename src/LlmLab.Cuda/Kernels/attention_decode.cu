// attention_decode.cu: causal grouped-query attention over the KV cache for one new token per sequence.
//
// Decode (one new token per sequence) is flash-decoding: the keys a query sees are split across blocks; each
// block keeps a running max, sum and weighted V sum (online softmax) for the query heads that share one KV head,
// so every K/V row is read once for the whole group; the last block to finish merges the splits. How many splits
// a row uses, and their boundaries, are computed on the device from the query's position, so a captured graph
// replays correctly at every position and a short context does not pay for the longest one.
#include "attention.cuh"

#ifndef ATTN_THREADS
#define ATTN_THREADS 128
#endif
#define ATTN_WARPS (ATTN_THREADS / 32)
#ifndef ATTN_CLUSTER
#define ATTN_CLUSTER 1  // > 1 (sm_90+): the splits of a head group run in thread-block clusters of this size, set at launch (see below)
#endif
#define MAX_SPLITS 64   // most key splits per query (MaxSplits on the host), a multiple of 32
#define PARTIAL_STRIDE (HEAD_DIM + 4)   // floats per split's partial result: acc[HEAD_DIM], max, sum, padding to 16 bytes

// How a head is spread over lanes: each lane holds EPT consecutive elements (whole 16-byte loads) and a team of
// TEAM lanes (a power of two, ≤ 32) holds one K or V row, so a warp works on 32 / TEAM keys at once.
struct HeadLayout
{
    static const int VEC = Vec16<act_t>::N;
    static const int EPT_MIN = (HEAD_DIM + 31) / 32;
    static const int EPT = ((EPT_MIN + VEC - 1) / VEC) * VEC;
    static const int LANES = (HEAD_DIM + EPT - 1) / EPT;
    static const int TEAM = LANES <= 1 ? 1 : LANES <= 2 ? 2 : LANES <= 4 ? 4 : LANES <= 8 ? 8 : LANES <= 16 ? 16 : 32;
    static const int TEAMS_PER_WARP = 32 / TEAM;
};

// Merge factor exp2(m − mNew), zero when both are −inf (an empty part).
__device__ __forceinline__ float merge_factor(float m, float mNew) { return mNew == neg_inf() ? 0.0f : exp2f(m - mNew); }

#if ATTN_CLUSTER > 1
// Thread-block cluster primitives (sm_90): rank in the cluster, the split cluster barrier (arrive releases this
// block's shared-memory writes, wait acquires the others'), and a load from another block's shared memory.
__device__ __forceinline__ unsigned cluster_rank()
{
    unsigned r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}
__device__ __forceinline__ void cluster_arrive() { asm volatile("barrier.cluster.arrive.release.aligned;" ::: "memory"); }
__device__ __forceinline__ void cluster_wait() { asm volatile("barrier.cluster.wait.acquire.aligned;" ::: "memory"); }
__device__ __forceinline__ float load_remote(const float* local, unsigned rank)
{
    unsigned address = (unsigned)__cvta_generic_to_shared(local), remote;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(address), "r"(rank));
    float v;
    asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(v) : "r"(remote) : "memory");
    return v;
}
#endif

// Output element d of query head `head`: normalised into out when it is the only part (`only`), else unnormalised
// (acc, and with d = 0 the max and sum) into slot `slot` of the head's `slots` partial results.
__device__ __forceinline__ void write_part(act_t* __restrict__ out, float* __restrict__ partial, bool only, int row, int heads, int head,
                                           int slots, int slot, int d, float value, float mMax, float sum)
{
    if (only)
    {
        out[(size_t)row * heads * HEAD_DIM + (size_t)head * HEAD_DIM + d] = from_float<act_t>(sum > 0.0f ? value / sum : 0.0f);
        return;
    }
    float* p = partial + (((size_t)row * heads + head) * slots + slot) * PARTIAL_STRIDE;
    p[d] = value;
    if (d == 0)
    {
        p[HEAD_DIM] = mMax;
        p[HEAD_DIM + 1] = sum;
    }
}

// Whether this block is the last of `blocks` to finish (counted in *counter; the last one resets it after merging).
// Called by the whole block, after it wrote its partial results.
__device__ __forceinline__ bool last_to_finish(int* counter, int blocks)
{
    __shared__ int isLast;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) isLast = atomicAdd(counter, 1) == blocks - 1;
    __syncthreads();
    if (isLast) __threadfence();   // the others' partials are read after this
    return isLast;
}

// Merges `parts` partial results of query heads h0 .. h0 + nh − 1 of one row, each (acc[HEAD_DIM], max, sum) at
// partial [rows, heads, slots, PARTIAL_STRIDE], into out: out = Σ acc_s·2^(m_s − M) / Σ l_s·2^(m_s − M). Run by one
// whole block (the last to finish); partials are read through L2 (other blocks wrote them).
template <int G>
__device__ __forceinline__ void merge_partials(const float* __restrict__ partial, act_t* __restrict__ out, int row, int heads, int h0, int nh,
                                               int slots, int parts)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    // Per head: M = max_s m_s, then each part's weight 2^(m_s − M) / Σ l_s·2^(m_s − M), one warp per head.
    __shared__ float weight[G][MAX_SPLITS];
    for (int g = warp; g < nh; g += ATTN_WARPS)
    {
        const float* p = partial + ((size_t)row * heads + h0 + g) * slots * PARTIAL_STRIDE;
        float ms[MAX_SPLITS / 32], ls[MAX_SPLITS / 32];
        float mMax = neg_inf();
#pragma unroll
        for (int i = 0; i < MAX_SPLITS / 32; i++)
        {
            const int s = lane + 32 * i;
            ms[i] = s < parts ? __ldcg(p + s * PARTIAL_STRIDE + HEAD_DIM) : neg_inf();
            ls[i] = s < parts ? __ldcg(p + s * PARTIAL_STRIDE + HEAD_DIM + 1) : 0.0f;
            mMax = fmaxf(mMax, ms[i]);
        }
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) mMax = fmaxf(mMax, __shfl_xor_sync(FULL_MASK, mMax, offset));
        float total = 0.0f;
#pragma unroll
        for (int i = 0; i < MAX_SPLITS / 32; i++) { ms[i] = merge_factor(ms[i], mMax); total += ls[i] * ms[i]; }
        total = warp_sum(total);
        const float inv = total > 0.0f ? 1.0f / total : 0.0f;
#pragma unroll
        for (int i = 0; i < MAX_SPLITS / 32; i++)
            if (lane + 32 * i < parts) weight[g][lane + 32 * i] = ms[i] * inv;
    }
    __syncthreads();
    // A thread per 4 output values, reading each part's 16 bytes: every load is independent, many are in flight.
    const int COLUMNS = HEAD_DIM / 4;
    for (int idx = threadIdx.x; idx < nh * COLUMNS; idx += ATTN_THREADS)
    {
        const int g = idx / COLUMNS, c = idx - g * COLUMNS;
        const float* p = partial + ((size_t)row * heads + h0 + g) * slots * PARTIAL_STRIDE + c * 4;
        float v0 = 0.0f, v1 = 0.0f, v2 = 0.0f, v3 = 0.0f;
#pragma unroll 8
        for (int s = 0; s < parts; s++)
        {
            const float4 x = __ldcg(reinterpret_cast<const float4*>(p + (size_t)s * PARTIAL_STRIDE));
            const float w = weight[g][s];
            v0 = fmaf(x.x, w, v0); v1 = fmaf(x.y, w, v1); v2 = fmaf(x.z, w, v2); v3 = fmaf(x.w, w, v3);
        }
        act_t* o = out + (size_t)row * heads * HEAD_DIM + (size_t)(h0 + g) * HEAD_DIM + c * 4;
        o[0] = from_float<act_t>(v0); o[1] = from_float<act_t>(v1); o[2] = from_float<act_t>(v2); o[3] = from_float<act_t>(v3);
    }
}

// grid (splits, kvHeads · ceil(group / G), rows); block ATTN_THREADS. Handles query heads h0 .. h0 + G − 1 of one
// KV head for one row and one split of its keys. The grid holds as many splits as the longest context needs; the
// splits a row uses are chosen on the device from its position (about one load round of `chunk` keys each, so
// a block's time does not grow with the context), and the rest return at once. With one split in use the block
// writes `out` directly. Otherwise it writes the unnormalised (acc[HEAD_DIM], max, sum) of its split to `partial`
// [rows, heads, splits, PARTIAL_STRIDE], and the last block of the row and head group to finish (counted in
// `counters` [rows, gridDim.y], which it resets) merges them: out = Σ acc_s·2^(m_s − M) / Σ l_s·2^(m_s − M).
// K and V are read in the cache's format (KV_FORMAT) and decoded to fp32 in registers.
// Keys before the row's position were written by earlier steps, so their loads are issued before waiting for
// the previous kernel (the RoPE/cache write of this step's key, and q): memory latency overlaps that kernel.
template <int G>
__device__ __forceinline__ void decode_attention(const act_t* __restrict__ q, const kv_t* __restrict__ kCache,
                                                 const kv_t* __restrict__ vCache, const int* __restrict__ positions,
                                                 float* __restrict__ partial, int* __restrict__ counters, act_t* __restrict__ out,
                                                 int heads, int kvHeads, int tokensPerSeq, int maxSeq, int window, float scaleLog2)
{
    const int EPT = HeadLayout::EPT, VEC = HeadLayout::VEC, TEAM = HeadLayout::TEAM, TPW = HeadLayout::TEAMS_PER_WARP;
    // ROUNDS key rounds are loaded before any is used (memory-level parallelism: a round is one key per team).
    const int ROUNDS = G <= 4 ? 4 : 2;
    const int SUBS = EPT / VEC;
    const int blockRound = ATTN_WARPS * TPW;
    const int chunk = blockRound * ROUNDS;   // keys one block loads at once (DecodeChunk on the host)
    __shared__ float merged[ATTN_WARPS][G][HEAD_DIM + 2];

    // Positions are written before the step starts (never by the previous kernel), so they are read before the wait.
    const int group = heads / kvHeads;
    const int chunksPerKv = (group + G - 1) / G;
    const int kvHead = blockIdx.y / chunksPerKv;
    const int h0 = kvHead * group + (blockIdx.y % chunksPerKv) * G;
    const int nh = min(G, kvHead * group + group - h0);
    const int row = blockIdx.z;
    const int pos = positions[row];
    const bool valid = pos >= 0 && pos < maxSeq;
    const int seq = row / tokensPerSeq;
    const int first = window > 0 ? max(0, pos - window + 1) : 0;
    const int count = valid ? pos + 1 - first : 0;
    // With clusters, splits come in whole clusters (a cluster's blocks all take part in its barriers).
    const int splits = ATTN_CLUSTER > 1 ? min((int)gridDim.x, max(1, (count + ATTN_CLUSTER * chunk - 1) / (ATTN_CLUSTER * chunk)) * ATTN_CLUSTER)
                                        : max(1, min((int)gridDim.x, (count + chunk - 1) / chunk));
    const int split = blockIdx.x;
    if (split >= splits) return;   // not needed at this position (a whole cluster): nothing to wait for
    const int per = (count + splits - 1) / splits;
    const int kBegin = first + split * per;
    const int kEnd = min(first + count, kBegin + per);

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int tl = lane % TEAM, teamInWarp = lane / TEAM;
    const int e0 = tl * EPT;
    // Cache offsets in kv_t: a row is kvHeads heads of KV_HEAD_UNITS (HEAD_DIM elements in the compute type, or the
    // head's blocks in a quantized format); the lane's slice of a head starts at element e0.
    const size_t rowUnits = (size_t)kvHeads * KV_HEAD_UNITS;
    const size_t seqBase = (size_t)seq * maxSeq * rowUnits + (size_t)kvHead * KV_HEAD_UNITS;

    // The first round of keys, except this step's own key (pos), is loaded before the wait.
    KvSlice kr[ROUNDS][SUBS], vr[ROUNDS][SUBS];
    int base = kBegin + warp * TPW;
#pragma unroll
    for (int u = 0; u < ROUNDS; u++)
    {
        const int j = base + u * blockRound + teamInWarp;
#pragma unroll
        for (int sub = 0; sub < SUBS; sub++)
        {
            kv_clear(kr[u][sub]);
            kv_clear(vr[u][sub]);
            if (j < kEnd && j != pos && e0 + sub * VEC < HEAD_DIM)
            {
                const size_t at = seqBase + (size_t)j * rowUnits;
                kv_load(kr[u][sub], kCache + at, e0 + sub * VEC);
                kv_load(vr[u][sub], vCache + at, e0 + sub * VEC);
            }
        }
    }
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
#pragma unroll
    for (int u = 0; u < ROUNDS; u++)
    {
        const int j = base + u * blockRound + teamInWarp;
#pragma unroll
        for (int sub = 0; sub < SUBS; sub++)
            if (j < kEnd && j == pos && e0 + sub * VEC < HEAD_DIM)
            {
                const size_t at = seqBase + (size_t)j * rowUnits;
                kv_load(kr[u][sub], kCache + at, e0 + sub * VEC);
                kv_load(vr[u][sub], vCache + at, e0 + sub * VEC);
            }
    }

    float qv[G][EPT];
    const act_t* qRow = q + (size_t)row * heads * HEAD_DIM;
#pragma unroll
    for (int g = 0; g < G; g++)
#pragma unroll
        for (int sub = 0; sub < EPT / VEC; sub++)
        {
            const int e = e0 + sub * VEC;
            if (g < nh && e < HEAD_DIM)
            {
                load16(qRow + (h0 + g) * HEAD_DIM + e, &qv[g][sub * VEC]);
#pragma unroll
                for (int i = 0; i < VEC; i++) qv[g][sub * VEC + i] *= scaleLog2;
            }
            else
            {
#pragma unroll
                for (int i = 0; i < VEC; i++) qv[g][sub * VEC + i] = 0.0f;
            }
        }

    float m[G], l[G], acc[G][EPT];
#pragma unroll
    for (int g = 0; g < G; g++)
    {
        m[g] = neg_inf();
        l[g] = 0.0f;
#pragma unroll
        for (int e = 0; e < EPT; e++) acc[g][e] = 0.0f;
    }

    // The loop bound is uniform per warp, so every lane takes part in the team shuffles.
    while (true)
    {
#pragma unroll
        for (int u = 0; u < ROUNDS; u++)
        {
            const bool live = base + u * blockRound + teamInWarp < kEnd;
            float kf[EPT], vf[EPT];
#pragma unroll
            for (int sub = 0; sub < SUBS; sub++)
            {
                kv_unpack(kr[u][sub], &kf[sub * VEC]);
                kv_unpack(vr[u][sub], &vf[sub * VEC]);
            }
#pragma unroll
            for (int g = 0; g < G; g++)
            {
                float s = 0.0f;
#pragma unroll
                for (int e = 0; e < EPT; e++) s = fmaf(qv[g][e], kf[e], s);
#pragma unroll
                for (int offset = TEAM / 2; offset > 0; offset >>= 1) s += __shfl_xor_sync(FULL_MASK, s, offset);
                if (live && g < nh)
                {
                    const float mNew = fmaxf(m[g], s);
                    const float correction = exp2f(m[g] - mNew);
                    const float p = exp2f(s - mNew);
                    l[g] = l[g] * correction + p;
#pragma unroll
                    for (int e = 0; e < EPT; e++) acc[g][e] = fmaf(acc[g][e], correction, p * vf[e]);
                    m[g] = mNew;
                }
            }
        }
        base += chunk;
        if (base >= kEnd) break;
        // Longer splits (contexts past MAX_SPLITS · chunk keys): the next rounds.
#pragma unroll
        for (int u = 0; u < ROUNDS; u++)
        {
            const int j = base + u * blockRound + teamInWarp;
#pragma unroll
            for (int sub = 0; sub < SUBS; sub++)
            {
                if (j < kEnd && e0 + sub * VEC < HEAD_DIM)
                {
                    const size_t at = seqBase + (size_t)j * rowUnits;
                    kv_load(kr[u][sub], kCache + at, e0 + sub * VEC);
                    kv_load(vr[u][sub], vCache + at, e0 + sub * VEC);
                }
                else
                {
                    kv_clear(kr[u][sub]);
                    kv_clear(vr[u][sub]);
                }
            }
        }
    }

    // Merge the teams of a warp (lanes with the same tl hold the same slice of the head).
#pragma unroll
    for (int offset = TEAM; offset < 32; offset <<= 1)
#pragma unroll
        for (int g = 0; g < G; g++)
        {
            const float m2 = __shfl_xor_sync(FULL_MASK, m[g], offset);
            const float l2 = __shfl_xor_sync(FULL_MASK, l[g], offset);
            const float mNew = fmaxf(m[g], m2);
            const float a = merge_factor(m[g], mNew), b = merge_factor(m2, mNew);
            l[g] = l[g] * a + l2 * b;
#pragma unroll
            for (int e = 0; e < EPT; e++)
            {
                const float other = __shfl_xor_sync(FULL_MASK, acc[g][e], offset);
                acc[g][e] = acc[g][e] * a + other * b;
            }
            m[g] = mNew;
        }

    // Merge the warps through shared memory.
    if (teamInWarp == 0)
    {
#pragma unroll
        for (int g = 0; g < G; g++)
        {
#pragma unroll
            for (int e = 0; e < EPT; e++)
                if (e0 + e < HEAD_DIM) merged[warp][g][e0 + e] = acc[g][e];
            if (tl == 0)
            {
                merged[warp][g][HEAD_DIM] = m[g];
                merged[warp][g][HEAD_DIM + 1] = l[g];
            }
        }
    }
    __syncthreads();
#if ATTN_CLUSTER > 1
    __shared__ float part[G][HEAD_DIM + 2];   // this block's (acc, max, sum) per head, read by the cluster
#endif
    for (int idx = threadIdx.x; idx < nh * HEAD_DIM; idx += ATTN_THREADS)
    {
        const int g = idx / HEAD_DIM, d = idx - g * HEAD_DIM;
        float mMax = neg_inf();
#pragma unroll
        for (int w = 0; w < ATTN_WARPS; w++) mMax = fmaxf(mMax, merged[w][g][HEAD_DIM]);
        float sum = 0.0f, value = 0.0f;
#pragma unroll
        for (int w = 0; w < ATTN_WARPS; w++)
        {
            const float f = merge_factor(merged[w][g][HEAD_DIM], mMax);
            sum += merged[w][g][HEAD_DIM + 1] * f;
            value += merged[w][g][d] * f;
        }
#if ATTN_CLUSTER > 1
        part[g][d] = value;
        if (d == 0)
        {
            part[g][HEAD_DIM] = mMax;
            part[g][HEAD_DIM + 1] = sum;
        }
#else
        write_part(out, partial, splits == 1, row, heads, h0 + g, gridDim.x, split, d, value, mMax, sum);
#endif
    }
#if ATTN_CLUSTER > 1
    // The cluster's blocks merge their parts through distributed shared memory, each block a slice of the outputs.
    // With one cluster in use that is the result; with more, each cluster leaves one partial (through L2) and the
    // last block to finish merges those. No block leaves while another may still read its shared memory.
    cluster_arrive();
    cluster_wait();
    const int clusters = splits / ATTN_CLUSTER, slots = gridDim.x / ATTN_CLUSTER, cluster = split / ATTN_CLUSTER;
    const unsigned rank = cluster_rank();
    const int total = nh * HEAD_DIM, slice = (total + ATTN_CLUSTER - 1) / ATTN_CLUSTER;
    for (int idx = rank * slice + threadIdx.x; idx < min(total, (int)(rank + 1) * slice); idx += ATTN_THREADS)
    {
        const int g = idx / HEAD_DIM, d = idx - g * HEAD_DIM;
        float ms[ATTN_CLUSTER], ls[ATTN_CLUSTER], vs[ATTN_CLUSTER];
#pragma unroll
        for (int r = 0; r < ATTN_CLUSTER; r++)
        {
            ms[r] = load_remote(&part[g][HEAD_DIM], r);
            ls[r] = load_remote(&part[g][HEAD_DIM + 1], r);
            vs[r] = load_remote(&part[g][d], r);
        }
        float mMax = neg_inf();
#pragma unroll
        for (int r = 0; r < ATTN_CLUSTER; r++) mMax = fmaxf(mMax, ms[r]);
        float sum = 0.0f, value = 0.0f;
#pragma unroll
        for (int r = 0; r < ATTN_CLUSTER; r++)
        {
            const float f = merge_factor(ms[r], mMax);
            sum += ls[r] * f;
            value += vs[r] * f;
        }
        write_part(out, partial, clusters == 1, row, heads, h0 + g, slots, cluster, d, value, mMax, sum);
    }
    cluster_arrive();   // done with the other blocks' shared memory
    int* counter = counters + (size_t)row * gridDim.y + blockIdx.y;
    if (clusters > 1 && last_to_finish(counter, splits))
    {
        merge_partials<G>(partial, out, row, heads, h0, nh, slots, clusters);
        if (threadIdx.x == 0) *counter = 0;
    }
    cluster_wait();
#else
    if (splits == 1) return;

    // The last split block to finish merges all splits (partials are read through L2: other blocks wrote them).
    int* counter = counters + (size_t)row * gridDim.y + blockIdx.y;
    if (!last_to_finish(counter, splits)) return;
    merge_partials<G>(partial, out, row, heads, h0, nh, gridDim.x, splits);
    if (threadIdx.x == 0) *counter = 0;
#endif
}

#define DECODE_ATTENTION_KERNEL(G)                                                                                        \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) decode_attention_g##G(                                     \
        const act_t* __restrict__ q, const kv_t* __restrict__ kCache, const kv_t* __restrict__ vCache,                    \
        const int* __restrict__ positions, float* __restrict__ partial, int* __restrict__ counters, act_t* __restrict__ out,  \
        int heads, int kvHeads, int tokensPerSeq, int maxSeq, int window, float scaleLog2)                                    \
    { decode_attention<G>(q, kCache, vCache, positions, partial, counters, out, heads, kvHeads, tokensPerSeq, maxSeq, window, scaleLog2); }

DECODE_ATTENTION_KERNEL(1)
DECODE_ATTENTION_KERNEL(2)
DECODE_ATTENTION_KERNEL(4)
DECODE_ATTENTION_KERNEL(8)
