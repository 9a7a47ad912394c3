using LlmLab.Formats;
using System.Text.Json;

namespace LlmLab.Models;

/// <summary>Defaults from <c>generation_config.json</c>: stop tokens and sampling settings.</summary>
public sealed record GenerationConfig
{
    /// <summary>Tokens that end generation.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary>BOS token id, if named.</summary>
    public int? BosTokenId { get; init; }
    /// <summary>Whether the model's authors sample by default.</summary>
    public bool DoSample { get; init; }
    /// <summary>Default temperature.</summary>
    public float? Temperature { get; init; }
    /// <summary>Default top-k.</summary>
    public int? TopK { get; init; }
    /// <summary>Default top-p.</summary>
    public float? TopP { get; init; }
    /// <summary>Default repetition penalty.</summary>
    public float? RepetitionPenalty { get; init; }
    /// <summary>Default number of new tokens.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Reads <paramref name="path"/>; a missing file gives the empty config.</summary>
    public static GenerationConfig Read(string path)
    {
        if (!File.Exists(path)) return new GenerationConfig();
        using var file = JsonFile.Open(path, ConfigLimits.MaxJsonBytes, JsonFileKind.Config);
        var json = file.Root;
        return new GenerationConfig
        {
            EosTokenIds = json.IntOrIntList("eos_token_id", ConfigLimits.MaxListLength),
            BosTokenId = json.OptionalInt("bos_token_id", 0, int.MaxValue),
            DoSample = json.OptionalBool("do_sample") ?? false,
            Temperature = json.OptionalFloat("temperature", 0, 100),
            TopK = json.OptionalInt("top_k", 0, int.MaxValue),
            TopP = json.OptionalFloat("top_p", 0, 1),
            RepetitionPenalty = json.OptionalFloat("repetition_penalty", 0.01f, 100),
            MaxNewTokens = json.OptionalInt("max_new_tokens", 0, int.MaxValue),
        };
    }
}
