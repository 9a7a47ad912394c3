using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Causal grouped-query attention over the KV cache: an fp32 cache is read in place, one task per (sequence, query
/// head); any other type (F16, BF16, Q8_0, Q4_0) has one task per (sequence, KV head) that decodes the head to fp32 once
/// and runs the same fp32 math for the query heads sharing it.
/// Scores, softmax and the weighted sum are fp32; sliding windows (Mistral) limit the keys seen.
/// For head widths that are a multiple of <see cref="Chunk"/> (32, 64, 128 …) the score dots and the weighted
/// sum of V run in registers, four 8-float vectors at a time, with no call per key: a decode step of a small
/// model makes ~3000 (query head, key) pairs per layer, and a library call per pair cost more than the math.
/// </summary>
internal static unsafe class CpuAttention
{
    /// <summary>Floats of a head handled per register pass (4 × Vector256).</summary>
    private const int Chunk = 32;

    public static void Run(CpuTensor q, CpuKvCache cache, int layer, StepLayout step, int heads, CpuTensor output)
    {
        var shape = cache.Shape;
        int headDim = shape.HeadDim, group = heads / shape.KvHeads, t = step.TokensPerSequence, end = step.EndPosition;
        float scale = 1f / MathF.Sqrt(headDim);
        int* positions = ((CpuTensor)step.Positions).Ints;
        bool vectorized = Vector256.IsHardwareAccelerated && headDim % Chunk == 0;
        if (cache.IsF32)
        {
            // fp32 rows read in place: head kvHead of position j at keys + j·(kvHeads·headDim); one task per query head.
            CpuParallel.For(step.Batch * heads, (long)step.Batch * heads * t * end * headDim, task =>
            {
                int b = task / heads, h = task % heads, kvHead = h / group;
                Head(b, h, cache.Key(layer, b, 0) + kvHead * headDim, cache.Value(layer, b, 0) + kvHead * headDim, shape.KvHeads * headDim);
            });
            return;
        }
        // Other types: one task per (sequence, KV head) decodes that head's K and V of the positions any query of the step
        // can see to fp32 (position j at j·headDim) once, then runs the same fp32 attention for each query head of its group.
        CpuParallel.For(step.Batch * shape.KvHeads, (long)step.Batch * heads * t * end * headDim, task =>
        {
            int b = task / shape.KvHeads, kvHead = task % shape.KvHeads;
            int earliest = shape.SlidingWindow is { } w ? Math.Max(0, FirstPosition(positions, b * t, t) - w + 1) : 0;
            var decoded = CpuScratch.FloatsB(2 * end * headDim);
            Span<float> keys = decoded[..(end * headDim)], values = decoded[(end * headDim)..];
            cache.ReadHead(values: false, layer, b, kvHead, earliest, end, keys);
            cache.ReadHead(values: true, layer, b, kvHead, earliest, end, values);
            fixed (float* k = keys, v = values)
                for (int h = kvHead * group; h < (kvHead + 1) * group; h++) Head(b, h, k, v, headDim);
        });

        // Query head h of each of sequence b's step rows against keys/values with `stride` floats between positions.
        void Head(int b, int h, float* keys, float* values, int stride)
        {
            var scores = CpuScratch.FloatsA(end);
            fixed (float* sc = scores)
                for (int i = 0; i < t; i++)
                {
                    int row = b * t + i, pos = positions[row];
                    int first = shape.SlidingWindow is { } window ? Math.Max(0, pos - window + 1) : 0;
                    float* qh = q.Floats + (long)row * q.Cols + h * headDim;
                    float* o = output.Floats + (long)row * output.Cols + h * headDim;
                    if (vectorized) Scores(qh, keys, stride, headDim, first, pos, scale, sc);
                    else
                        for (int j = first; j <= pos; j++)
                            sc[j] = TensorPrimitives.Dot(new ReadOnlySpan<float>(qh, headDim), new ReadOnlySpan<float>(keys + (long)j * stride, headDim)) * scale;
                    var s = scores.Slice(first, pos - first + 1);
                    TensorPrimitives.SoftMax(s, s);
                    if (vectorized) WeightedSum(sc, values, stride, headDim, first, pos, o);
                    else
                    {
                        var os = new Span<float>(o, headDim);
                        os.Clear();
                        for (int j = first; j <= pos; j++)
                            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)j * stride, headDim), sc[j], os, os);
                    }
                }
        }
    }

    // The smallest position among sequence b's rows of this step (rows [start, start + count)).
    private static int FirstPosition(int* positions, int start, int count)
    {
        int smallest = int.MaxValue;
        for (int i = 0; i < count; i++) smallest = Math.Min(smallest, positions[start + i]);
        return smallest;
    }

    /// <summary>s[j] = (q · k_j) · scale for j ∈ [first, last]; k_j at keys + j·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float* q, float* keys, int stride, int headDim, int first, int last, float scale, float* s)
    {
        for (int j = first; j <= last; j++)
        {
            float* k = keys + (long)j * stride;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < headDim; d += Chunk)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(q + d), Vector256.Load(k + d), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(q + d + 8), Vector256.Load(k + d + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(q + d + 16), Vector256.Load(k + d + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(q + d + 24), Vector256.Load(k + d + 24), a3);
            }
            s[j] = Vector256.Sum((a0 + a1) + (a2 + a3)) * scale;
        }
    }

    /// <summary>o = Σ_j s[j] · v_j for j ∈ [first, last], one 32-float slice of o at a time held in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum(float* s, float* values, int stride, int headDim, int first, int last, float* o)
    {
        for (int d = 0; d < headDim; d += Chunk)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int j = first; j <= last; j++)
            {
                float* v = values + (long)j * stride + d;
                var p = Vector256.Create(s[j]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(v), p, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 8), p, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 16), p, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 24), p, a3);
            }
            a0.Store(o + d);
            a1.Store(o + d + 8);
            a2.Store(o + d + 16);
            a3.Store(o + d + 24);
        }
    }

    internal static int[] ReadPositions(StepLayout step)
    {
        var p = (CpuTensor)step.Positions;
        return p.IntSpan[..step.Rows].ToArray();
    }
}
