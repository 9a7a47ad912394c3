using System.Text;
using System.Text.Json;

namespace LlmLab.Tokenization;

/// <summary>
/// One value of a tokenizer.json together with the path that leads to it (<c>model.merges[12]</c>),
/// so that every error names the file and the field. Reading never trusts a type or a length: a
/// missing, null or ill-typed field becomes an <see cref="InvalidTokenizerException"/>.
/// </summary>
internal readonly struct JsonField
{
    /// <summary>Longest piece of file text quoted in an error message, in characters.</summary>
    private const int MaxQuotedChars = 60;

    private const string RebuildHint = "the file is not a valid Hugging Face tokenizer.json: download it again or re-save it with tokenizers' Tokenizer.save()";

    public JsonField(JsonElement value, string path, string source)
    {
        Value = value;
        Path = path;
        Source = source;
    }

    public JsonElement Value { get; }

    /// <summary>Where the value sits in the file, e.g. <c>pre_tokenizer.pretokenizers[0].pattern</c>.</summary>
    public string Path { get; }

    /// <summary>The file name used in error messages.</summary>
    public string Source { get; }

    public JsonValueKind Kind => Value.ValueKind;

    public bool IsNull => Kind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>A required, non-null property of this object.</summary>
    public JsonField Get(string name)
    {
        RequireKind(JsonValueKind.Object);
        if (!Value.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null)
        {
            throw Error(Child(name), "is missing", RebuildHint);
        }
        return new JsonField(child, Child(name), Source);
    }

    /// <summary>An optional property: <c>null</c> when it is absent or JSON null.</summary>
    public JsonField? Find(string name)
    {
        RequireKind(JsonValueKind.Object);
        if (!Value.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null) return null;
        return new JsonField(child, Child(name), Source);
    }

    public bool Has(string name) => Kind == JsonValueKind.Object && Value.TryGetProperty(name, out _);

    public string GetString()
    {
        RequireKind(JsonValueKind.String);
        return Value.GetString()!;
    }

    public bool GetBool()
    {
        if (Kind is not (JsonValueKind.True or JsonValueKind.False)) throw WrongKind("a boolean");
        return Value.GetBoolean();
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int GetInt32(int min, int max)
    {
        RequireKind(JsonValueKind.Number);
        if (!Value.TryGetInt64(out long v) || v < min || v > max)
        {
            throw Fail($"is {Quote(Value.GetRawText())}, expected an integer in [{min}, {max}]", RebuildHint);
        }
        return (int)v;
    }

    public double GetDouble()
    {
        RequireKind(JsonValueKind.Number);
        return Value.GetDouble();
    }

    public string String(string name) => Get(name).GetString();

    public string? OptionalString(string name) => Find(name)?.GetString();

    public bool Bool(string name, bool fallback) => Find(name)?.GetBool() ?? fallback;

    public int Int32(string name, int min, int max) => Get(name).GetInt32(min, max);

    /// <summary>The <c>type</c> tag of a component object (normalizer, pre-tokenizer, model...).</summary>
    public string TypeTag() => String("type");

    /// <summary>The elements of this array, each with its indexed path.</summary>
    public IEnumerable<JsonField> Items()
    {
        RequireKind(JsonValueKind.Array);
        int i = 0;
        foreach (var item in Value.EnumerateArray())
        {
            yield return new JsonField(item, $"{Path}[{i}]", Source);
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
            yield return (p.Name, new JsonField(p.Value, $"{Path}[{Quote(p.Name)}]", Source));
        }
    }

    /// <summary>An error about this field: "<c>file: path: problem; fix</c>", on one line.</summary>
    public InvalidTokenizerException Fail(string problem, string fix) => Error(Path, problem, fix);

    public InvalidTokenizerException Fail(string problem, string fix, Exception inner) =>
        new(OneLine($"{Source}: {(Path.Length == 0 ? "top level" : Path)}: {problem}; {fix}"), inner);

    public InvalidTokenizerException Unsupported(string what, string supported) =>
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

    private InvalidTokenizerException Error(string path, string problem, string fix) =>
        new(OneLine($"{Source}: {(path.Length == 0 ? "top level" : path)}: {problem}; {fix}"));

    private void RequireKind(JsonValueKind kind)
    {
        if (Kind != kind) throw WrongKind(Noun(kind));
    }

    private InvalidTokenizerException WrongKind(string expected) =>
        Fail($"expected {expected}, found {Noun(Kind)}", RebuildHint);

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
