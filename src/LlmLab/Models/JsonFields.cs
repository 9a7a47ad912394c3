using System.Text.Json;

namespace LlmLab.Models;

/// <summary>
/// Typed, range-checked access to the fields of a JSON config file. Every failure is an
/// <see cref="InvalidConfigException"/> naming the file and the field.
/// </summary>
internal sealed class JsonFields : IDisposable
{
    private readonly JsonDocument _doc;

    public JsonFields(string path, long maxBytes)
    {
        Path = path;
        if (!File.Exists(path)) throw new InvalidConfigException($"{path}: file not found; a Hugging Face model folder needs config.json");
        long length = new FileInfo(path).Length;
        if (length > maxBytes) throw new InvalidConfigException($"{path}: {length} bytes is far larger than a config; this is not a config file");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidConfigException($"{path}: cannot be read ({e.Message})", e);
        }
        try { _doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new InvalidConfigException($"{path}: not valid JSON ({e.Message}); download it again", e); }
        if (_doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = _doc.RootElement.ValueKind;
            _doc.Dispose();
            throw new InvalidConfigException($"{path}: expected a JSON object, found {kind}");
        }
        Root = _doc.RootElement;
    }

    private JsonFields(string path, JsonElement root, JsonDocument doc)
    {
        Path = path;
        Root = root;
        _doc = doc;
    }

    public string Path { get; }
    public JsonElement Root { get; }

    /// <summary>A nested object as its own field set (shares the document; do not dispose); null when absent or null, an error when not an object.</summary>
    public JsonFields? Object(string name)
    {
        if (Get(name) is not { } e) return null;
        if (e.ValueKind != JsonValueKind.Object) throw Error(name, $"must be an object, found {e.GetRawText()}");
        return new JsonFields($"{Path} ({name})", e, _doc);
    }

    private JsonElement? Get(string name) =>
        Root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    public bool Has(string name) => Get(name) is not null;

    public InvalidConfigException Error(string field, string problem) => new($"{Path}: field '{field}' {problem}");

    public int RequiredInt(string name, int min, int max) =>
        OptionalInt(name, min, max) ?? throw Error(name, "is missing");

    public int? OptionalInt(string name, int min, int max)
    {
        if (Get(name) is not { } e) return null;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v)) throw Error(name, $"must be an integer, found {e.GetRawText()}");
        if (v < min || v > max) throw Error(name, $"is {v}, outside the sane range [{min}, {max}]; the config is corrupt or not for a decoder LLM");
        return (int)v;
    }

    public double? OptionalDouble(string name, double min, double max)
    {
        if (Get(name) is not { } e) return null;
        if (e.ValueKind != JsonValueKind.Number) throw Error(name, $"must be a number, found {e.GetRawText()}");
        double v = e.GetDouble();
        if (!double.IsFinite(v) || v < min || v > max) throw Error(name, $"is {v}, outside the sane range [{min}, {max}]");
        return v;
    }

    public float? OptionalFloat(string name, float min, float max) => (float?)OptionalDouble(name, min, max);

    public bool? OptionalBool(string name)
    {
        if (Get(name) is not { } e) return null;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false, found {e.GetRawText()}"),
        };
    }

    public string? OptionalString(string name)
    {
        if (Get(name) is not { } e) return null;
        if (e.ValueKind != JsonValueKind.String) throw Error(name, $"must be a string, found {e.GetRawText()}");
        try { return e.GetString(); }
        catch (InvalidOperationException) { throw Error(name, $"holds an invalid \\u escape (a lone UTF-16 surrogate): {e.GetRawText()}"); }
    }

    /// <summary>An id or list of ids (eos_token_id is either form in the wild).</summary>
    public IReadOnlyList<int> IntOrIntList(string name)
    {
        if (Get(name) is not { } e) return [];
        if (e.ValueKind == JsonValueKind.Number) return [OptionalInt(name, 0, int.MaxValue)!.Value];
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() > ConfigLimits.MaxListLength) throw Error(name, "must be an integer or a short list of integers");
        var list = new List<int>();
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int v) || v < 0) throw Error(name, $"has a non-id element {item.GetRawText()}");
            list.Add(v);
        }
        return list;
    }

    public void Dispose() => _doc.Dispose();
}

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
