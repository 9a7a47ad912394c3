using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>The op families of <see cref="IBackend"/>, for <see cref="IBackend.Supports"/>.</summary>
public enum BackendOp
{
    /// <summary>Embedding gather.</summary>
    Embedding,
    /// <summary>RMSNorm (and fused add).</summary>
    RmsNorm,
    /// <summary>Matrix multiply with a stored weight.</summary>
    MatMul,
    /// <summary>Rotary embedding and KV-cache write.</summary>
    Rope,
    /// <summary>Attention over the KV cache.</summary>
    Attention,
    /// <summary>SwiGLU activation.</summary>
    SwiGlu,
    /// <summary>Argmax over logits.</summary>
    Argmax,
    /// <summary>Temperature / top-k / top-p sampling over logits.</summary>
    Sample,
}
