namespace LlmLab.Models.Architectures;

/// <summary>Qwen3 (Qwen3ForCausalLM): RMSNorm on each q/k head before RoPE, explicit head_dim, optional attention bias.</summary>
public sealed class Qwen3 : IArchitecture
{
    /// <inheritdoc />
    public string ModelType => "qwen3";

    /// <inheritdoc />
    public TensorNames Names { get; } = new();

    /// <inheritdoc />
    public ModelConfig Configure(ModelConfig common, JsonConfigView config)
    {
        bool bias = config.Bool("attention_bias") ?? false;
        int? window = config.Bool("use_sliding_window") == true ? config.Int("sliding_window", 1, int.MaxValue) : null;
        return common with { QkNorm = true, QkvBias = bias, OutputBias = bias, SlidingWindow = window };
    }
}
