using LlmLab.Tensors;

namespace LlmLab.Formats;

/// <summary>
/// Names of ggml type ids for messages, including those LlmLab does not read (ggml's <c>ggml_type</c>, ggml.h),
/// so a refusal says "IQ2_XXS" rather than a bare number.
/// </summary>
internal static class GgufGgmlTypeNames
{
    /// <summary>ggml types without a <see cref="TensorFormat"/>; ids ggml retired say so.</summary>
    private static readonly Dictionary<uint, string> Others = new()
    {
        [4] = "Q4_2, removed from ggml",
        [5] = "Q4_3, removed from ggml",
        [9] = "Q8_1",
        [15] = "Q8_K",
        [16] = "IQ2_XXS",
        [17] = "IQ2_XS",
        [18] = "IQ3_XXS",
        [19] = "IQ1_S",
        [21] = "IQ3_S",
        [22] = "IQ2_S",
        [29] = "IQ1_M",
        [31] = "Q4_0_4_4, removed from GGUF files",
        [32] = "Q4_0_4_8, removed from GGUF files",
        [33] = "Q4_0_8_8, removed from GGUF files",
        [34] = "TQ1_0",
        [35] = "TQ2_0",
        [36] = "IQ4_NL_4_4, removed from GGUF files",
        [37] = "IQ4_NL_4_8, removed from GGUF files",
        [38] = "IQ4_NL_8_8, removed from GGUF files",
    };

    /// <summary>The formats LlmLab reads from GGUF, comma-separated.</summary>
    public static string Readable { get; } = string.Join(", ", TensorFormats.All.Where(f => f.GgmlType() is not null).Select(f => f.Name()));

    /// <summary>"ggml type 16 (IQ2_XXS)", or "ggml type 99 (not a ggml type LlmLab knows)".</summary>
    public static string Describe(uint id)
    {
        if (TensorFormats.TryFromGgmlType(id, out var f)) return $"ggml type {id} ({f.Name()})";
        return Others.TryGetValue(id, out var name) ? $"ggml type {id} ({name})" : $"ggml type {id} (not a ggml type LlmLab knows)";
    }
}
