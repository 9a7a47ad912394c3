using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// A backend that can keep a table only gathered from (an untied token embedding: a few rows per step) apart from the
/// matrices its products read, which it may copy or rearrange at load. The returned weight serves
/// <see cref="IBackend.Embedding"/> exactly as <see cref="IBackend.LoadWeight"/>'s would.
/// </summary>
public interface IGatherTables
{
    /// <summary>Loads <paramref name="tensor"/> for row gathers only.</summary>
    DeviceWeight LoadGatherTable(TensorView tensor);
}
