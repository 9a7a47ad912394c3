using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// A backend that can place several weight matrices of one input width back to back in one allocation, so the
/// products that share an input (a layer's q, k and v; gate and up) can run as one larger product where that is
/// faster (long prefill steps). Each returned weight behaves exactly as <see cref="IBackend.LoadWeight"/>'s would.
/// </summary>
public interface IWeightGroups
{
    /// <summary>Loads <paramref name="tensors"/> (matrices with equal column counts) contiguously, in order.</summary>
    IReadOnlyList<DeviceWeight> LoadWeightGroup(IReadOnlyList<TensorView> tensors);
}
