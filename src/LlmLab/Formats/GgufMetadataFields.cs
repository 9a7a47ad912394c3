namespace LlmLab.Formats;

/// <summary>
/// Typed, range-checked access to a GGUF file's metadata (docs/gguf.md, version 3) for the readers that build a
/// model config or a tokenizer from it. Every failure names the file and the key; the exception type is the
/// caller's (<see cref="InvalidConfigException"/> for hyperparameters, <see cref="InvalidTokenizerException"/> for
/// <c>tokenizer.ggml.*</c>). Integer keys are accepted at any integer width, as writers differ (u32, i32, u64).
/// </summary>
internal sealed class GgufMetadataFields(IReadOnlyDictionary<string, GgufValue> metadata, string path, Func<string, LlmLabException> error)
{
    /// <summary>The GGUF file, for messages.</summary>
    public string Path { get; } = path;

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool Has(string key) => metadata.ContainsKey(key);

    /// <summary>An error naming the file and the key.</summary>
    public LlmLabException Error(string key, string problem) => error($"{Path}: key '{key}' {problem}");

    /// <summary>A required string.</summary>
    public string RequiredString(string key) => OptionalString(key) ?? throw Error(key, "is missing");

    /// <summary>A string, or null when absent.</summary>
    public string? OptionalString(string key)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        return v.AsString() ?? throw Error(key, $"must be a string, found {Describe(v)}");
    }

    /// <summary>A required integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int RequiredInt(string key, int min, int max) => OptionalInt(key, min, max) ?? throw Error(key, "is missing");

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public int? OptionalInt(string key, int min, int max)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        long n = v.AsInt64() ?? throw Error(key, $"must be an integer, found {Describe(v)}");
        if (n < min || n > max) throw Error(key, $"is {n}, outside the sane range [{min}, {max}]; the file is corrupt or not a decoder LLM");
        return (int)n;
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public double? OptionalDouble(string key, double min, double max)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        double d = v.AsDouble() ?? throw Error(key, $"must be a number, found {Describe(v)}");
        if (!double.IsFinite(d) || d < min || d > max) throw Error(key, $"is {d}, outside the sane range [{min}, {max}]");
        return d;
    }

    /// <summary>A bool, or null when absent.</summary>
    public bool? OptionalBool(string key)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        return v.AsBool() ?? throw Error(key, $"must be a bool, found {Describe(v)}");
    }

    /// <summary>A string array, or null when absent.</summary>
    public string[]? OptionalStringArray(string key)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        return v.AsStringArray() ?? throw Error(key, $"must be an array of strings, found {Describe(v)}");
    }

    /// <summary>An integer array, or null when absent.</summary>
    public long[]? OptionalIntArray(string key)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        return v.AsInt64Array() ?? throw Error(key, $"must be an array of integers, found {Describe(v)}");
    }

    /// <summary>A float array (f32; i32 is accepted as llama.cpp does for scores), or null when absent.</summary>
    public float[]? OptionalFloatArray(string key)
    {
        if (!metadata.TryGetValue(key, out var v)) return null;
        return v.AsSingleArray() ?? (v.Value is int[] ints ? Array.ConvertAll(ints, i => (float)i) : null)
            ?? throw Error(key, $"must be an array of f32, found {Describe(v)}");
    }

    /// <summary>The number of elements of an array value, or null when absent or not an array.</summary>
    public int? ArrayLength(string key) =>
        metadata.TryGetValue(key, out var v) && v.Value is Array a ? a.Length : null;

    private static string Describe(GgufValue v) => v.Type == GgufValueType.Array
        ? $"an array of {v.ElementType?.ToString() ?? "?"}"
        : $"{v.Type} {Shorten(v.Value?.ToString() ?? "")}";

    private static string Shorten(string s) => s.Length <= 40 ? $"'{s}'" : $"'{s[..40]}…'";
}
