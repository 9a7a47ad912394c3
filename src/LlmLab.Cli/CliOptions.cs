using LlmLab.Notebooks.Magics;

namespace LlmLab.Cli;

/// <summary>
/// Options only the command line has (a notebook names a loaded model's variable instead of a path); the options a
/// command shares with its magic come from <see cref="StudyOptions"/>.
/// </summary>
internal static class CliOptions
{
    /// <summary><c>--model DIR|FILE.gguf</c>, optional: the embedded model when absent.</summary>
    public static MagicOption Model { get; } = new("model", "Model folder (config.json, *.safetensors, tokenizer.json) or .gguf file; default: the embedded model") { ShortName = 'm', ValueName = "DIR|FILE.gguf" };

    /// <summary><c>--model DIR|FILE.gguf</c>, required.</summary>
    public static MagicOption RequiredModel { get; } = Model with { Description = "Model folder (config.json, *.safetensors, tokenizer.json) or .gguf file", IsRequired = true };

    /// <summary><c>--json</c>: the result as one JSON object on stdout.</summary>
    public static MagicOption Json { get; } = new("json", "Print the result as JSON (camelCase fields)") { IsFlag = true };

    /// <summary>The options of every command that loads a model: the model, device (and the placement over devices), compute type, load-time quantization and KV cache type.</summary>
    public static IReadOnlyList<MagicOption> Loading(MagicOption model) => [model, StudyOptions.Device, .. StudyOptions.Placement, StudyOptions.ComputeType, StudyOptions.Quant, StudyOptions.KvType];
}
