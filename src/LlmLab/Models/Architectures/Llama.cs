namespace LlmLab.Models.Architectures;

/// <summary>Llama 1/2/3 (LlamaForCausalLM): optional attention bias, llama3 RoPE scaling, explicit head_dim in newer configs.</summary>
public sealed class Llama : IArchitecture
{
    /// <inheritdoc />
    public string ModelType => "llama";

    /// <inheritdoc />
    public TensorNames Names { get; } = new();

    /// <inheritdoc />
    public ModelConfig Configure(ModelConfig common, JsonConfigView config)
    {
        if (config.Bool("mlp_bias") == true) throw config.Error("mlp_bias", "is true; MLP biases are not supported by LlmLab's Llama");
        bool bias = config.Bool("attention_bias") ?? false;
        return common with { QkvBias = bias, OutputBias = bias };
    }
}
