namespace LlmLab.Models;

/// <summary>Bounds that reject absurd configs before anything is sized from them.</summary>
internal static class ConfigLimits
{
    /// <summary>config.json files are a few KB; anything this big is not a config.</summary>
    public const long MaxJsonBytes = 16L * 1024 * 1024;
    /// <summary>Largest vocabularies in use are ~256k; 16M leaves room without risking huge tables.</summary>
    public const int MaxVocab = 16 * 1024 * 1024;
    /// <summary>Widest dense models are ~25k wide.</summary>
    public const int MaxHidden = 1 << 17;
    /// <summary>MLP widths reach ~100k.</summary>
    public const int MaxIntermediate = 1 << 20;
    /// <summary>Deepest published decoders have ~200 layers.</summary>
    public const int MaxLayers = 1024;
    /// <summary>Head counts stay in the hundreds.</summary>
    public const int MaxHeads = 4096;
    /// <summary>Head widths are 64–256 in practice.</summary>
    public const int MaxHeadDim = 1024;
    /// <summary>Context lengths reach 10M tokens in extreme cases.</summary>
    public const int MaxPositions = 1 << 26;
    /// <summary>Lists such as eos_token_id hold a handful of entries.</summary>
    public const int MaxListLength = 1024;
}
