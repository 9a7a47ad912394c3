// common.cuh: element types, conversions, vector loads and reductions shared by every kernel file.
//
// NVRTC compiles these sources without the CUDA include folder, so nothing here includes a system header:
// bf16 and f16 are plain 16-bit structs converted with bit operations (bf16 is the top half of an fp32)
// or single PTX instructions (f16). Each module is compiled with -DACT_TYPE=<bf16|f16|float>, the type the
// backend keeps activations, weights and the KV cache in; all arithmetic is fp32.
#pragma once

struct bf16 { unsigned short bits; };
struct f16 { unsigned short bits; };

#ifndef ACT_TYPE
#error "compile with -DACT_TYPE=bf16, f16 or float"
#endif
typedef ACT_TYPE act_t;

// Error bits a kernel can raise in the backend's status word (read back at the next synchronisation).
#define STATUS_BAD_TOKEN 1      // a token id outside the vocabulary
#define STATUS_BAD_POSITION 2   // a position outside the KV cache or the rotary table

#define FULL_MASK 0xffffffffu

__device__ __forceinline__ float neg_inf() { return __int_as_float(0xff800000); }

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(bf16 v) { return __uint_as_float(((unsigned)v.bits) << 16); }
__device__ __forceinline__ float to_float(f16 v)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(v.bits));
    return f;
}

template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ bf16 from_float<bf16>(float v)
{
    // Round to nearest even, as PyTorch does; NaN stays a (quiet) NaN.
    unsigned u = __float_as_uint(v);
    bf16 r;
    if ((u & 0x7fffffffu) > 0x7f800000u) r.bits = (unsigned short)((u >> 16) | 0x40u);
    else r.bits = (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    return r;
}
template <> __device__ __forceinline__ f16 from_float<f16>(float v)
{
    f16 r;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r.bits) : "f"(v));
    return r;
}

// Elements of T in one 16-byte load.
template <typename T> struct Vec16 { static const int N = 16 / sizeof(T); };

// Splits a 16-byte word into fp32 values (element 0 is in the low bits: little endian).
__device__ __forceinline__ void unpack(uint4 raw, float* out, float) 
{
    out[0] = __uint_as_float(raw.x); out[1] = __uint_as_float(raw.y);
    out[2] = __uint_as_float(raw.z); out[3] = __uint_as_float(raw.w);
}
__device__ __forceinline__ void unpack_bf16x2(unsigned w, float* out)
{
    out[0] = __uint_as_float(w << 16);
    out[1] = __uint_as_float(w & 0xffff0000u);
}
__device__ __forceinline__ void unpack(uint4 raw, float* out, bf16)
{
    unpack_bf16x2(raw.x, out); unpack_bf16x2(raw.y, out + 2); unpack_bf16x2(raw.z, out + 4); unpack_bf16x2(raw.w, out + 6);
}
__device__ __forceinline__ void unpack_f16x2(unsigned w, float* out)
{
    f16 lo, hi;
    lo.bits = (unsigned short)(w & 0xffffu);
    hi.bits = (unsigned short)(w >> 16);
    out[0] = to_float(lo);
    out[1] = to_float(hi);
}
__device__ __forceinline__ void unpack(uint4 raw, float* out, f16)
{
    unpack_f16x2(raw.x, out); unpack_f16x2(raw.y, out + 2); unpack_f16x2(raw.z, out + 4); unpack_f16x2(raw.w, out + 6);
}

// Four E4M3 codes (one per byte of v, element 0 in the low byte) as fp32 values times 2⁻⁸, exactly: E4M3 S.EEEE.MMM
// placed as the fp16 S.0EEEE.MMM0000000 is the value · 2⁻⁸ (exponent bias 15 against 7; E4M3 subnormals land on fp16
// subnormals), so two byte permutes and masks give two fp16 pairs and their conversion to fp32 is exact. FP8 weight
// rows carry their scale: the product's 2⁸ rides on it.
__device__ __forceinline__ void e4m3x4(unsigned v, float* w)
{
    const unsigned lo = __byte_perm(v, 0, 0x1404), hi = __byte_perm(v, 0, 0x3424);   // bytes (0, b0, 0, b1), (0, b2, 0, b3)
    unpack_f16x2((lo & 0x80008000u) | ((lo >> 1) & 0x3F803F80u), w);
    unpack_f16x2((hi & 0x80008000u) | ((hi >> 1) & 0x3F803F80u), w + 2);
}

// The scale of an FP8 weight row of k codes at `row` (its fp32 follows the codes), times 2⁸ to undo e4m3x4's 2⁻⁸.
__device__ __forceinline__ float fp8_scale(const unsigned char* row, int k) { return 256.0f * *reinterpret_cast<const float*>(row + k); }

// Loads 16 bytes at p (16-byte aligned) as Vec16<T>::N fp32 values.
template <typename T> __device__ __forceinline__ void load16(const T* p, float* out)
{
    unpack(*reinterpret_cast<const uint4*>(p), out, T());
}

// Same through the read-only data cache (for inputs no kernel writes while this one runs, e.g. weights).
template <typename T> __device__ __forceinline__ uint4 load16_raw_nc(const T* p)
{
    return __ldg(reinterpret_cast<const uint4*>(p));
}

// Sum over a warp (every lane gets the result).
__device__ __forceinline__ float warp_sum(float v)
{
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(FULL_MASK, v, offset);
    return v;
}

// Sum over the block (every thread gets the result). blockDim.x must be a multiple of 32; uses 33 floats of shared memory.
__device__ __forceinline__ float block_sum(float v)
{
    __shared__ float partial[32];
    __shared__ float total;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0)
    {
        float s = lane < (int)(blockDim.x >> 5) ? partial[lane] : 0.0f;
        s = warp_sum(s);
        if (lane == 0) total = s;
    }
    __syncthreads();
    return total;
}

// Programmatic dependent launch (sm_90+): a kernel launched with the programmatic-serialisation attribute may
// start while the previous kernel finishes; it must wait here before touching anything that kernel wrote (or
// reads). Without the attribute (or below sm_90) the wait returns at once.
#if __CUDA_ARCH__ >= 900
#define GRID_DEPENDENCY_WAIT() asm volatile("griddepcontrol.wait;" ::: "memory")
#define GRID_DEPENDENTS_LAUNCH() asm volatile("griddepcontrol.launch_dependents;" :::)
#else
#define GRID_DEPENDENCY_WAIT() do { } while (0)
#define GRID_DEPENDENTS_LAUNCH() do { } while (0)
#endif

// Stores Vec16<T>::N fp32 values at p (16-byte aligned) as T, rounding as from_float does.
__device__ __forceinline__ unsigned pack2(float a, float b, bf16) { return (unsigned)from_float<bf16>(a).bits | ((unsigned)from_float<bf16>(b).bits << 16); }
__device__ __forceinline__ unsigned pack2(float a, float b, f16) { return (unsigned)from_float<f16>(a).bits | ((unsigned)from_float<f16>(b).bits << 16); }
template <typename T> __device__ __forceinline__ void store16(T* p, const float* in)
{
    uint4 raw;
    raw.x = pack2(in[0], in[1], T()); raw.y = pack2(in[2], in[3], T());
    raw.z = pack2(in[4], in[5], T()); raw.w = pack2(in[6], in[7], T());
    *reinterpret_cast<uint4*>(p) = raw;
}
template <> __device__ __forceinline__ void store16<float>(float* p, const float* in)
{
    uint4 raw;
    raw.x = __float_as_uint(in[0]); raw.y = __float_as_uint(in[1]); raw.z = __float_as_uint(in[2]); raw.w = __float_as_uint(in[3]);
    *reinterpret_cast<uint4*>(p) = raw;
}
