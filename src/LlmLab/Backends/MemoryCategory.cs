using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>What a device allocation is for, so memory reports can split it.</summary>
public enum MemoryCategory
{
    /// <summary>Model weights.</summary>
    Weights,
    /// <summary>Attention key/value cache.</summary>
    KvCache,
    /// <summary>Activations and scratch buffers.</summary>
    Activations,
    /// <summary>Anything else (rope tables, library workspaces).</summary>
    Other,
}
