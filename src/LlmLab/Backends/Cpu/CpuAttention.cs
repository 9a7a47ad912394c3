using System.Numerics.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Causal grouped-query attention over the fp32 KV cache, one task per (sequence, query head).
/// Scores, softmax and the weighted sum are fp32; sliding windows (Mistral) limit the keys seen.
/// </summary>
internal static unsafe class CpuAttention
{
    public static void Run(CpuTensor q, CpuKvCache cache, int layer, StepLayout step, int heads, CpuTensor output)
    {
        var shape = cache.Shape;
        int headDim = shape.HeadDim, group = heads / shape.KvHeads, t = step.TokensPerSequence;
        float scale = 1f / MathF.Sqrt(headDim);
        int* positions = ((CpuTensor)step.Positions).Ints;
        CpuParallel.For(step.Batch * heads, (long)step.Batch * heads * t * step.EndPosition * headDim, task =>
        {
            int b = task / heads, h = task % heads, kvHead = h / group;
            var scores = CpuScratch.FloatsA(step.EndPosition);
            for (int i = 0; i < t; i++)
            {
                int row = b * t + i, pos = positions[row];
                int first = shape.SlidingWindow is { } window ? Math.Max(0, pos - window + 1) : 0;
                var qh = new ReadOnlySpan<float>(q.Floats + (long)row * q.Cols + h * headDim, headDim);
                for (int j = first; j <= pos; j++)
                    scores[j] = TensorPrimitives.Dot(qh, new ReadOnlySpan<float>(cache.Key(layer, b, j) + kvHead * headDim, headDim)) * scale;
                var s = scores.Slice(first, pos - first + 1);
                TensorPrimitives.SoftMax(s, s);
                var o = new Span<float>(output.Floats + (long)row * output.Cols + h * headDim, headDim);
                o.Clear();
                for (int j = first; j <= pos; j++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(cache.Value(layer, b, j) + kvHead * headDim, headDim), scores[j], o, o);
            }
        });
    }

    internal static int[] ReadPositions(StepLayout step)
    {
        var p = (CpuTensor)step.Positions;
        return p.IntSpan[..step.Rows].ToArray();
    }
}
