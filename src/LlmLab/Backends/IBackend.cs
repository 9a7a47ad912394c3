using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// The ops a Llama-family decoder needs, on one device. <c>Models.Transformer</c> is written once
/// over this interface; each backend (Cpu, Cuda:N) implements it in its own folder.
/// Activations are 2-D row-major tensors [rows, cols] where a row is one token of one sequence
/// (row = sequence × tokensPerSequence + t). All ops are asynchronous with respect to the host
/// except the Read methods and <see cref="Synchronize"/>.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Device name, e.g. "cpu", "cuda:0".</summary>
    string Device { get; }

    /// <summary>Element type this backend computes activations in (F32 on the CPU; BF16 or F32 on CUDA).</summary>
    DType ActivationType { get; }

    /// <summary>Bytes held on this device by category, and the peak.</summary>
    MemoryLedger Memory { get; }

    /// <summary>Capability query: can <paramref name="op"/> read weights stored as <paramref name="weightFormat"/> directly?</summary>
    bool Supports(BackendOp op, TensorFormat weightFormat);

    /// <summary>Places a weight on the device in a format this backend computes with (a view, a copy, or a conversion).</summary>
    DeviceWeight LoadWeight(TensorView tensor);

    /// <summary>An activation/workspace tensor [rows, cols] of <paramref name="dtype"/>.</summary>
    DeviceTensor Allocate(DType dtype, int rows, int cols, MemoryCategory category = MemoryCategory.Activations);

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="tensor"/>, sharing its memory (disposing the view frees nothing).</summary>
    DeviceTensor View(DeviceTensor tensor, int rows);

    /// <summary>A KV cache for <paramref name="shape"/>.</summary>
    KvCache AllocateKvCache(KvCacheShape shape);

    /// <summary>Rotary tables (cos/sin per position and frequency) for positions [0, maxPositions).</summary>
    RopeTable CreateRopeTable(RopeSpec rope, int maxPositions);

    /// <summary>Copies host integers (token ids, positions) into an I32 tensor.</summary>
    void Write(DeviceTensor destination, ReadOnlySpan<int> values);

    /// <summary>
    /// Copies host fp32 values into a float tensor, converted to its element type (the residual stream crossing from
    /// another device); the span may be reused as soon as this returns.
    /// </summary>
    void Write(DeviceTensor destination, ReadOnlySpan<float> values);

    /// <summary>Copies a tensor to the host as fp32 (blocking).</summary>
    void Read(DeviceTensor source, Span<float> destination);

    /// <summary>Copies an I32 tensor to the host (blocking).</summary>
    void Read(DeviceTensor source, Span<int> destination);

    /// <summary>output[r] = table[ids[r]] for each row r of the I32 tensor <paramref name="ids"/> ([rows, 1]).</summary>
    void Embedding(DeviceTensor ids, DeviceWeight table, DeviceTensor output);

    /// <summary>
    /// RMSNorm over groups of <c>weight</c>-length elements of each row:
    /// y = x / sqrt(mean(x²) + eps) · w. A group is the whole row (hidden norm) or one head (q/k norm).
    /// <paramref name="output"/> may be <paramref name="x"/>.
    /// </summary>
    void RmsNorm(DeviceTensor x, DeviceWeight weight, float eps, DeviceTensor output);

    /// <summary>residual += delta; output = RMSNorm(residual) · w (the pre-norm block boundary, fused).</summary>
    void AddRmsNorm(DeviceTensor residual, DeviceTensor delta, DeviceWeight weight, float eps, DeviceTensor output);

    /// <summary>output[n, m] = x[n, k] · W[m, k]ᵀ (+ bias[m]); W in its stored format.</summary>
    void MatMul(DeviceTensor x, DeviceWeight weight, DeviceWeight? bias, DeviceTensor output);

    /// <summary>residual += delta.</summary>
    void Add(DeviceTensor residual, DeviceTensor delta);

    /// <summary>
    /// Rotates q and k in place (rotate-half pairs, or interleaved pairs when the table was made from a RoPE config with
    /// <see cref="RopeSpec.Interleaved"/>) at each row's position, then writes k and v
    /// into <paramref name="cache"/> for <paramref name="layer"/> at those positions.
    /// q: [rows, heads·headDim]; k, v: [rows, kvHeads·headDim].
    /// </summary>
    void RopeAndCache(DeviceTensor q, DeviceTensor k, DeviceTensor v, RopeTable rope, StepLayout step, KvCache cache, int layer);

    /// <summary>
    /// Causal attention of each query row over the cache up to its own position (GQA: query head h
    /// reads kv head h / (heads / kvHeads)), scaled by 1/sqrt(headDim); output [rows, heads·headDim].
    /// </summary>
    void Attention(DeviceTensor q, KvCache cache, int layer, StepLayout step, DeviceTensor output);

    /// <summary>output = silu(gate) · up.</summary>
    void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor output);

    // Fused operations: what the forward pass asks for by name, so a backend may run each as fewer kernels. The default
    // methods are the compositions of the plain ops above (ComposedOps), which a backend without faster kernels computes
    // exactly; a backend that overrides one must leave memory as the composition would, up to where values are rounded.

    /// <summary>
    /// q, k, v = x·Wqᵀ (+ bq), x·Wkᵀ (+ bk), x·Wvᵀ (+ bv): the three products that share x.
    /// x: [rows, hidden]; q: [rows, heads·headDim]; k, v: [rows, kvHeads·headDim].
    /// </summary>
    void QkvProjection(DeviceTensor x, QkvWeights w, DeviceTensor q, DeviceTensor k, DeviceTensor v) =>
        ComposedOps.QkvProjection(this, x, w, q, k, v);

    /// <summary>
    /// A layer's attention input: <see cref="QkvProjection"/>; then, when <paramref name="w"/> has q/k norms (Qwen3), the
    /// per-head RMSNorm of q and k (epsilon <paramref name="eps"/>); then <see cref="RopeAndCache"/> (q and k rotated in
    /// place, k and v written to <paramref name="cache"/> for <paramref name="layer"/> at the step's positions).
    /// </summary>
    void QkvRopeAndCache(DeviceTensor x, QkvWeights w, float eps, RopeTable rope, StepLayout step, KvCache cache, int layer,
        DeviceTensor q, DeviceTensor k, DeviceTensor v) =>
        ComposedOps.QkvRopeAndCache(this, x, w, eps, rope, step, cache, layer, q, k, v);

    /// <summary>
    /// The MLP's input half: <paramref name="gate"/> = silu(x·Wgᵀ) · (x·Wuᵀ) and <paramref name="up"/> = x·Wuᵀ.
    /// x: [rows, hidden]; gate, up: [rows, intermediate].
    /// </summary>
    void GateUpSwiGlu(DeviceTensor x, DeviceWeight gateWeight, DeviceWeight upWeight, DeviceTensor gate, DeviceTensor up) =>
        ComposedOps.GateUpSwiGlu(this, x, gateWeight, upWeight, gate, up);

    /// <summary>output[b] = x[b·tokensPerSequence + tokensPerSequence − 1]: the last row of each sequence.</summary>
    void LastRows(DeviceTensor x, StepLayout step, DeviceTensor output);

    /// <summary>ids[r] = argmax of row r (first index on ties), into an I32 tensor [rows, 1].</summary>
    void Argmax(DeviceTensor logits, DeviceTensor ids);

    /// <summary>
    /// Draws ids[r] from softmax(logits[r] / temperature) restricted to the logits at or above the
    /// <paramref name="topK"/>-th largest (0: all) and then to the most likely of those whose probability
    /// reaches <paramref name="topP"/> (1: all); ties at either cut stay in. <paramref name="uniforms"/>[r] ∈ [0, 1)
    /// is row r's draw: the token is the first, in vocabulary order, whose cumulative kept mass exceeds
    /// uniform × kept mass, so every backend picks the same token for the same draw.
    /// </summary>
    void Sample(DeviceTensor logits, float temperature, int topK, float topP, ReadOnlySpan<float> uniforms, DeviceTensor ids);

    /// <summary>
    /// transformers' <c>RepetitionPenaltyLogitsProcessor</c> on each row r of <paramref name="logits"/> ([rows, vocab] F32),
    /// in place. When <paramref name="consumed"/> ([rows, 1] I32) is given, its id for row r — the token that row's sequence
    /// just consumed — is first recorded in row r of <paramref name="seen"/> ([rows, vocab] I32, non-zero = already in the
    /// sequence); then every seen id's logit moves away from likely: × <paramref name="penalty"/> when negative,
    /// ÷ <paramref name="penalty"/> otherwise. Keeping the history on the device lets a pipelined decode loop penalise
    /// a token the host has not read back yet.
    /// </summary>
    void RepetitionPenalty(DeviceTensor logits, DeviceTensor seen, DeviceTensor? consumed, float penalty);

    /// <summary>Waits for queued work.</summary>
    void Synchronize();
}
