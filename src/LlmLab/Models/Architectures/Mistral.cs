namespace LlmLab.Models.Architectures;

/// <summary>Mistral (MistralForCausalLM): Llama tensors, no biases, optional sliding-window attention.</summary>
public sealed class Mistral : IArchitecture
{
    /// <inheritdoc />
    public string ModelType => "mistral";

    /// <inheritdoc />
    public TensorNames Names { get; } = new();

    /// <inheritdoc />
    public ModelConfig Configure(ModelConfig common, JsonConfigView config) =>
        common with { QkvBias = false, SlidingWindow = config.Int("sliding_window", 1, int.MaxValue) };
}
