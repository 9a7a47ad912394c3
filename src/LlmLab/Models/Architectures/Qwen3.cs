namespace LlmLab.Models.Architectures;

/// <summary>Qwen3 (Qwen3ForCausalLM): RMSNorm on each q/k head before RoPE, explicit head_dim, optional attention bias.</summary>
public sealed class Qwen3 : IArchitecture
{
    /// <summary>transformers' Qwen3Config default when config.json gives no head_dim.</summary>
    public const int DefaultHeadDim = 128;

    /// <inheritdoc />
    public string ModelType => "qwen3";

    /// <inheritdoc />
    public TensorNames Names { get; } = new();

    /// <inheritdoc />
    public ModelConfig Configure(ModelConfig common, JsonConfigView config)
    {
        bool bias = config.Bool("attention_bias") ?? false;
        int? window = config.Bool("use_sliding_window") == true ? config.Int("sliding_window", 1, int.MaxValue) : null;
        // Qwen3Config defaults head_dim to 128 rather than hidden_size / heads.
        int headDim = config.Int("head_dim", 2, 1024) ?? DefaultHeadDim;
        return common with { HeadDim = headDim, QkNorm = true, QkvBias = bias, OutputBias = bias, SlidingWindow = window };
    }
}
