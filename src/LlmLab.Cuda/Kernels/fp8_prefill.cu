// fp8_prefill.cu: the operands of a prefill product with FP8 weights on the FP8 tensor cores (sm_89+; the host runs
// cuBLASLt's E4M3 product with one scale per row of each side), and the rescale of its output where cuBLASLt does not
// apply the per-row scales itself. FP8 weight rows are k E4M3 codes followed by the row's fp32 scale (gemv_quant.cu's
// QF_FP8 layout). Compiled once per compute type (ACT_TYPE).
#include "common.cuh"

// v rounded to E4M3 ("fn": nearest, ties to even, saturating at ±448, NaN to 0x7F), bit for bit as LlmLab's
// Fp8E4M3.FromSingle (the tests' reference), in integer steps rather than a conversion instruction sm_80 lacks.
__device__ __forceinline__ unsigned e4m3_code(float v)
{
    const unsigned bits = __float_as_uint(v), sign = (bits >> 24) & 0x80u, magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return 0x7Fu;
    const float a = __uint_as_float(magnitude);
    if (a >= 448.0f) return sign | 0x7Eu;
    if (a < 0.015625f) return sign | (unsigned)rintf(a * 512.0f);   // subnormals: multiples of 2⁻⁹ (2⁻⁶ itself is code 8)
    int exponent = (int)(magnitude >> 23) - 127;
    const unsigned fraction = magnitude & 0x7FFFFFu, rest = fraction & 0xFFFFFu;
    unsigned kept = fraction >> 20;
    if (rest > 0x80000u || (rest == 0x80000u && (kept & 1u))) kept++;
    if (kept == 8u) { kept = 0u; exponent++; }
    return sign | min((unsigned)((exponent + 7) << 3) | kept, 0x7Eu);
}

// The operands of an FP8 prefill product: blocks [0, n) round row b of x [n, k] to E4M3 codes xq[b, :] with the scale
// xs[b] = amax / 448 (Fp8E4M3.EncodeScaled: x ≈ xs·e4m3(code)); blocks from n on gather the m weight-row scales (each
// row's fp32 after its k codes) into ws[m], 256 per block. Block: 256 threads.
extern "C" __global__ void __launch_bounds__(256) fp8_prefill_operands(const act_t* __restrict__ x, int n, int k,
    unsigned char* __restrict__ xq, float* __restrict__ xs, const unsigned char* __restrict__ w, unsigned long long stride, int m,
    float* __restrict__ ws)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    if ((int)blockIdx.x >= n)
    {
        const int r = ((int)blockIdx.x - n) * blockDim.x + threadIdx.x;
        if (r < m) ws[r] = *reinterpret_cast<const float*>(w + (size_t)r * stride + k);
        return;
    }
    const act_t* row = x + (size_t)blockIdx.x * k;
    float amax = 0.0f;
    for (int i = threadIdx.x; i < k; i += blockDim.x) amax = fmaxf(amax, fabsf(to_float(row[i])));
    __shared__ float warpMax[8];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(FULL_MASK, amax, o));
    if ((threadIdx.x & 31) == 0) warpMax[threadIdx.x >> 5] = amax;
    __syncthreads();
    amax = 0.0f;
#pragma unroll
    for (int i = 0; i < 8; i++) amax = fmaxf(amax, warpMax[i]);
    const float scale = amax / 448.0f;
    if (threadIdx.x == 0) xs[blockIdx.x] = scale;
    unsigned char* q = xq + (size_t)blockIdx.x * k;
    for (int i = threadIdx.x; i < k; i += blockDim.x) q[i] = scale == 0.0f ? 0 : (unsigned char)e4m3_code(to_float(row[i]) / scale);
}

// y[i, j] ·= xs[i] · ws[j] for the unscaled E4M3 product of x [n, k] and W [m, k] (y [n, m] in the compute type): where
// cuBLASLt does not apply per-row scales itself. Grid-stride over n·m elements.
extern "C" __global__ void fp8_rescale(act_t* __restrict__ y, int n, int m, const float* __restrict__ xs, const float* __restrict__ ws)
{
    GRID_DEPENDENCY_WAIT();
    GRID_DEPENDENTS_LAUNCH();
    const size_t total = (size_t)n * m;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
        y[i] = from_float<act_t>(to_float(y[i]) * (xs[i / m] * ws[i % m]));
}
