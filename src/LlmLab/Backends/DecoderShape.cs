namespace LlmLab.Backends;

/// <summary>
/// What a backend needs to know of a Llama-family decoder to size its buffers and plan its memory, without depending
/// on how models are configured (Models builds it from a <c>ModelConfig</c>).
/// </summary>
/// <param name="Layers">Decoder layers.</param>
/// <param name="HiddenSize">Model width.</param>
/// <param name="IntermediateSize">MLP width.</param>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads.</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="VocabSize">Tokens in the vocabulary.</param>
/// <param name="MatrixParameters">Elements of all weight matrices (embedding and head included, counted once when tied).</param>
/// <param name="VectorParameters">Elements of all weight vectors (norms, biases).</param>
public sealed record DecoderShape(int Layers, int HiddenSize, int IntermediateSize, int Heads, int KvHeads, int HeadDim, int VocabSize,
    long MatrixParameters, long VectorParameters)
{
    /// <summary>Tokens per sequence a prefill step takes at most unless told otherwise (longer prompts run in chunks).</summary>
    public const int DefaultPrefillChunk = 512;

    /// <summary>Query width: heads × head_dim.</summary>
    public int QueryDim => Heads * HeadDim;

    /// <summary>Key/value width: kv heads × head_dim.</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>KV-cache bytes per token for all layers at the given element size (K and V).</summary>
    public long KvCacheBytesPerToken(int bytesPerElement) => 2L * Layers * KvDim * bytesPerElement;

    /// <summary>
    /// Bytes of a session's step buffers (what <c>InferenceSession</c> allocates, on every backend): for rows = batch ×
    /// tokens per step, the residual, normed and projected rows (rows, hidden), q and the attention output (rows, heads·headDim),
    /// k and v (rows, kvHeads·headDim), gate and up (rows, intermediate) in the activation type; the last hidden rows
    /// (batch, hidden) in the activation type and their logits (batch, vocab) in fp32; token ids and positions (rows) as int32.
    /// </summary>
    public long SessionBufferBytes(int batch, int tokensPerStep, int activationBytes)
    {
        long rows = (long)batch * tokensPerStep;
        return rows * (3L * HiddenSize + 2L * QueryDim + 2L * KvDim + 2L * IntermediateSize) * activationBytes
            + (long)batch * ((long)HiddenSize * activationBytes + (long)VocabSize * sizeof(float)) + 2L * rows * sizeof(int);
    }
}
