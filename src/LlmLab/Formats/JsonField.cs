using System.Text;
using System.Text.Json;

namespace LlmLab.Formats;

/// <summary>The JSON files LlmLab reads; each kind has its exception type and its advice.</summary>
internal enum JsonFileKind
{
    /// <summary>A Hugging Face tokenizer.json (<see cref="InvalidTokenizerException"/>).</summary>
    Tokenizer,
    /// <summary>A model's config.json or generation_config.json (<see cref="InvalidConfigException"/>).</summary>
    Config,
}

/// <summary>
/// The one JSON field reader: one value of a tokenizer.json or config.json together with the path that leads to it
/// (<c>model.merges[12]</c>, <c>rope_scaling.factor</c>), so that every error names the file and the field. Reading never
/// trusts a type or a length: a missing, null, ill-typed or out-of-range field becomes the file kind's exception
/// (<see cref="InvalidTokenizerException"/> or <see cref="InvalidConfigException"/>) with one message shape,
/// "<c>file: field 'path' problem; fix</c>", on one line.
/// </summary>
internal readonly struct JsonField
{
    /// <summary>Longest piece of file text quoted in an error message, in characters.</summary>
    private const int MaxQuotedChars = 60;

    public JsonField(JsonElement value, string path, string source, JsonFileKind file = JsonFileKind.Tokenizer)
    {
        Value = value;
        Path = path;
        Source = source;
        File = file;
    }

    public JsonElement Value { get; }

    /// <summary>Where the value sits in the file, e.g. <c>pre_tokenizer.pretokenizers[0].pattern</c>; empty at the top level.</summary>
    public string Path { get; }

    /// <summary>The file name used in error messages.</summary>
    public string Source { get; }

    /// <summary>Which kind of file this is, for the exception type and the advice in errors.</summary>
    public JsonFileKind File { get; }

    public JsonValueKind Kind => Value.ValueKind;

    public bool IsNull => Kind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>What to do about a file that breaks its format.</summary>
    private string RebuildHint => File switch
    {
        JsonFileKind.Config => "the file is corrupt or not a decoder LLM's config: download it again",
        _ => "the file is not a valid Hugging Face tokenizer.json: download it again or re-save it with tokenizers' Tokenizer.save()",
    };

    /// <summary>A required, non-null property of this object.</summary>
    public JsonField Get(string name)
    {
        RequireKind(JsonValueKind.Object);
        if (!Value.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null)
        {
            throw Error(Child(name), "is missing", RebuildHint);
        }
        return new JsonField(child, Child(name), Source, File);
    }

    /// <summary>An optional property: <c>null</c> when it is absent or JSON null.</summary>
    public JsonField? Find(string name)
    {
        RequireKind(JsonValueKind.Object);
        if (!Value.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null) return null;
        return new JsonField(child, Child(name), Source, File);
    }

    /// <summary>True when this is an object with a property <paramref name="name"/> (null included).</summary>
    public bool Has(string name) => Kind == JsonValueKind.Object && Value.TryGetProperty(name, out _);

    public string GetString()
    {
        RequireKind(JsonValueKind.String);
        try
        {
            return Value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Fail($"holds an invalid \\u escape (a lone UTF-16 surrogate): {Quote(Value.GetRawText())}", RebuildHint);
        }
    }

    public bool GetBool()
    {
        if (Kind is not (JsonValueKind.True or JsonValueKind.False)) throw WrongKind("true or false");
        return Value.GetBoolean();
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int GetInt32(int min, int max)
    {
        if (Kind != JsonValueKind.Number || !Value.TryGetInt64(out long v)) throw WrongKind("an integer");
        if (v < min || v > max) throw Fail($"is {v}, outside the sane range [{min}, {max}]", RebuildHint);
        return (int)v;
    }

    public double GetDouble()
    {
        RequireKind(JsonValueKind.Number);
        return Value.GetDouble();
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double GetDouble(double min, double max)
    {
        double v = GetDouble();
        if (!double.IsFinite(v) || v < min || v > max) throw Fail($"is {v}, outside the sane range [{min}, {max}]", RebuildHint);
        return v;
    }

    public string String(string name) => Get(name).GetString();

    public string? OptionalString(string name) => Find(name)?.GetString();

    public bool Bool(string name, bool fallback) => Find(name)?.GetBool() ?? fallback;

    public bool? OptionalBool(string name) => Find(name)?.GetBool();

    public int Int32(string name, int min, int max) => Get(name).GetInt32(min, max);

    public int RequiredInt(string name, int min, int max) => Get(name).GetInt32(min, max);

    public int? OptionalInt(string name, int min, int max) => Find(name)?.GetInt32(min, max);

    public double? OptionalDouble(string name, double min, double max) => Find(name)?.GetDouble(min, max);

    public float? OptionalFloat(string name, float min, float max) => (float?)OptionalDouble(name, min, max);

    /// <summary>A nested object; null when absent or JSON null, an error when not an object.</summary>
    public JsonField? Object(string name)
    {
        if (Find(name) is not { } child) return null;
        child.RequireKind(JsonValueKind.Object);
        return child;
    }

    /// <summary>An id or a list of at most <paramref name="maxCount"/> ids (eos_token_id is either form in the wild); empty when absent.</summary>
    public IReadOnlyList<int> IntOrIntList(string name, int maxCount)
    {
        if (Find(name) is not { } field) return [];
        if (field.Kind == JsonValueKind.Number) return [field.GetInt32(0, int.MaxValue)];
        if (field.Kind != JsonValueKind.Array || field.Count() > maxCount)
            throw field.Fail($"must be an integer or a short list of integers (at most {maxCount}), found {field.Found()}", RebuildHint);
        var list = new List<int>();
        foreach (var item in field.Items())
        {
            if (item.Kind != JsonValueKind.Number || !item.Value.TryGetInt32(out int v) || v < 0)
                throw field.Fail($"has a non-id element {item.Shown()}", RebuildHint);
            list.Add(v);
        }
        return list;
    }

    /// <summary>The <c>type</c> tag of a component object (normalizer, pre-tokenizer, model...).</summary>
    public string TypeTag() => String("type");

    /// <summary>The elements of this array, each with its indexed path.</summary>
    public IEnumerable<JsonField> Items()
    {
        RequireKind(JsonValueKind.Array);
        int i = 0;
        foreach (var item in Value.EnumerateArray())
        {
            yield return new JsonField(item, $"{Path}[{i}]", Source, File);
            i++;
        }
    }

    /// <summary>Number of elements of this array.</summary>
    public int Count()
    {
        RequireKind(JsonValueKind.Array);
        return Value.GetArrayLength();
    }

    /// <summary>The properties of this object, each with its path.</summary>
    public IEnumerable<(string Name, JsonField Value)> Properties()
    {
        RequireKind(JsonValueKind.Object);
        foreach (var p in Value.EnumerateObject())
        {
            yield return (p.Name, new JsonField(p.Value, $"{Path}[{Quote(p.Name)}]", Source, File));
        }
    }

    /// <summary>An error about this field: "<c>file: field 'path' problem; fix</c>", on one line.</summary>
    public LlmLabException Fail(string problem, string fix) => Error(Path, problem, fix);

    public LlmLabException Fail(string problem, string fix, Exception inner) => Create(Message(Path, problem, fix), inner);

    /// <summary>
    /// An error about the property <paramref name="field"/> of this object whose <paramref name="problem"/> already says
    /// what to do: "<c>file: field 'path.field' problem</c>".
    /// </summary>
    public LlmLabException Error(string field, string problem) => Create(Message(Child(field), problem, fix: null), null);

    public LlmLabException Unsupported(string what, string supported) =>
        Fail($"{Quote(what)} is not a {KindNoun()} type LlmLab supports (supported: {supported})",
            "use a tokenizer.json whose pipeline only uses the supported components");

    /// <summary>Quotes file text for an error message: JSON-escaped, truncated, always one line.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        int n = 0;
        foreach (char c in text)
        {
            if (n++ == MaxQuotedChars)
            {
                sb.Append("...");
                break;
            }
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (char.IsControl(c) || char.IsSurrogate(c) || c == '\u2028' || c == '\u2029') sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    public static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private string KindNoun()
    {
        // The component kind is the first path segment: normalizer, pre_tokenizer, decoder...
        string head = Path.Split('.', '[')[0];
        return head.Replace('_', '-');
    }

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private string Message(string path, string problem, string? fix) =>
        OneLine($"{Source}: {(path.Length == 0 ? "" : $"field '{path}' ")}{problem}{(fix is null ? "" : $"; {fix}")}");

    private LlmLabException Error(string path, string problem, string fix) => Create(Message(path, problem, fix), null);

    private LlmLabException Create(string message, Exception? inner) => File switch
    {
        JsonFileKind.Config => new InvalidConfigException(message, inner),
        _ => new InvalidTokenizerException(message, inner),
    };

    private void RequireKind(JsonValueKind kind)
    {
        if (Kind != kind) throw WrongKind(Noun(kind));
    }

    private LlmLabException WrongKind(string expected) => Fail($"must be {expected}, found {Found()}", RebuildHint);

    /// <summary>What the value is, for "found …": the kind, with a scalar's JSON text.</summary>
    private string Found() => Kind switch
    {
        JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined or JsonValueKind.Null => Noun(Kind),
        _ => $"{Noun(Kind)} {Shown()}",
    };

    /// <summary>The value's JSON text as the file has it (a string with its quotes), cut to <see cref="MaxQuotedChars"/>, on one line.</summary>
    private string Shown()
    {
        string raw = Value.GetRawText();
        return OneLine(raw.Length <= MaxQuotedChars ? raw : raw[..MaxQuotedChars] + "...");
    }

    private static string Noun(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
