namespace LlmLab.Planning;

/// <summary>How <see cref="AutoDeviceMap"/> spreads a model over the devices' budgets (transformers' <c>device_map</c> strings).</summary>
public enum DeviceMapStrategy
{
    /// <summary>
    /// <c>auto</c>: <see cref="Balanced"/> (transformers hands "auto" to accelerate's <c>get_balanced_memory</c> like
    /// "balanced"), unless balanced's caps send parts to the CPU that <see cref="Sequential"/> keeps on a GPU.
    /// </summary>
    Auto,

    /// <summary><c>balanced</c>: about the same share of the model on every GPU, the rest on the CPU.</summary>
    Balanced,

    /// <summary><c>balanced_low_0</c>: as balanced over the other GPUs, GPU 0 taking only what they cannot (room for generation's work there).</summary>
    BalancedLow0,

    /// <summary><c>sequential</c>: fill cuda:0, then cuda:1, …, then the CPU, in layer order.</summary>
    Sequential,
}
