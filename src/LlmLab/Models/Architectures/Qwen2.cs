namespace LlmLab.Models.Architectures;

/// <summary>Qwen2 / Qwen2.5 (Qwen2ForCausalLM): biases on q/k/v (not o), often tied embeddings.</summary>
public sealed class Qwen2 : IArchitecture
{
    /// <inheritdoc />
    public string ModelType => "qwen2";

    /// <inheritdoc />
    public TensorNames Names { get; } = new();

    /// <inheritdoc />
    public ModelConfig Configure(ModelConfig common, JsonConfigView config)
    {
        // Qwen2 applies sliding windows only when use_sliding_window is set (no released model does).
        int? window = config.Bool("use_sliding_window") == true ? config.Int("sliding_window", 1, int.MaxValue) : null;
        return common with { QkvBias = true, OutputBias = false, SlidingWindow = window };
    }
}
