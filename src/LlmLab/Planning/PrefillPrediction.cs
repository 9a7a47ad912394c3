using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Planning;

/// <summary>
/// Time to first token from a compute rate: the prompt's FLOPs at the device's prefill rate, plus one decode-style read
/// of the output head (prefill computes logits for each sequence's last position only, a matrix-vector product bound
/// by memory bandwidth, not compute).
/// </summary>
public static class PrefillPrediction
{
    /// <summary>
    /// TTFT in ms = batch × <paramref name="promptTokens"/> × <paramref name="flopsPerToken"/> ÷ <paramref name="flopsPerSecond"/>
    /// + <paramref name="headMs"/>. Pass FLOPs per token for a context of the prompt's length
    /// (<see cref="MemoryPlanner.PrefillFlopsPerToken"/> with context = prompt: attention over half of it on average).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A prompt or batch below 1, or a rate that is not positive.</exception>
    public static double TtftMs(int promptTokens, int batch, double flopsPerToken, double flopsPerSecond, double headMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(flopsPerSecond);
        return (double)batch * promptTokens * flopsPerToken / flopsPerSecond * 1e3 + headMs;
    }

    /// <summary>
    /// Bytes the first token's logits read: the final norm and the output head (the embedding table when tied), as the
    /// device holds them (<paramref name="gpu"/>: float matrices in <paramref name="gpuComputeType"/>; the CPU: as stored).
    /// </summary>
    public static long HeadBytes(PlanModel model, bool gpu = false, DType gpuComputeType = MemoryPlanner.DefaultGpuComputeType)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool tied = model.Config.TieWordEmbeddings;
        return model.Manifest.Weights.Where(w => w.Role is TensorRole.OutputHead or TensorRole.FinalNorm || (tied && w.Role == TensorRole.Embedding))
            .Sum(w => MemoryPlanner.HeldBytes(w, gpu, gpuComputeType));
    }
}
