using System.Text.Json;
using LlmLab.Formats;

namespace LlmLab.Tests.Tokenization;

/// <summary>
/// GGUF tokenizer metadata made from a fixture's tokenizer.json + tokenizer_config.json the way llama.cpp's
/// convert_hf_to_gguf.py makes it (get_vocab_base / _set_vocab_sentencepiece, and gguf-py's SpecialVocab for the
/// special ids, add_bos/add_eos and merges).
/// </summary>
internal static class GgufVocabulary
{
    // gguf-py TokenType
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary>
    /// A fixture's metadata as convert writes it. convert's get_vocab_base_pre names the pre-tokenizers by hashing
    /// their output: llama3 → llama-bpe, qwen3 → qwen2; Qwen3's config.json declares 151936 ids, so convert pads its
    /// 151669 tokens with [PADn] unused entries.
    /// </summary>
    public static Dictionary<string, GgufValue> For(string fixture) => fixture switch
    {
        "llama3" => ByteLevel("llama3", "llama-bpe"),
        "qwen3" => ByteLevel("qwen3", "qwen2", paddedVocabSize: 151936),
        "sp32k" => SentencePiece("sp32k"),
        _ => throw new ArgumentException($"no GGUF conversion for fixture '{fixture}'", nameof(fixture)),
    };

    /// <summary>
    /// A byte-level (gpt2) vocabulary: convert's get_vocab_base fills ids without a token with [PADn] (unused), marks
    /// added tokens control when special or special-looking, else user-defined; SpecialVocab copies the merges.
    /// </summary>
    public static Dictionary<string, GgufValue> ByteLevel(string fixture, string pre, int? paddedVocabSize = null)
    {
        using var json = JsonDocument.Parse(Fixtures.ReadText(Path.Combine(Fixtures.Tokenizer(fixture), "tokenizer.json")));
        var root = json.RootElement;
        var model = root.GetProperty("model");
        var byId = new Dictionary<int, (string Text, int Type)>();
        foreach (var p in model.GetProperty("vocab").EnumerateObject()) byId[p.Value.GetInt32()] = (p.Name, Normal);
        foreach (var t in root.GetProperty("added_tokens").EnumerateArray())
        {
            string content = t.GetProperty("content").GetString()!;
            bool special = t.GetProperty("special").GetBoolean();
            byId[t.GetProperty("id").GetInt32()] = (content, special || LooksSpecial(content) ? Control : UserDefined);
        }
        int count = paddedVocabSize ?? byId.Keys.Max() + 1;
        var tokens = new string[count];
        var types = new int[count];
        for (int i = 0; i < count; i++)
            (tokens[i], types[i]) = byId.TryGetValue(i, out var t) ? t : ($"[PAD{i}]", Unused);

        var merges = model.GetProperty("merges").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : string.Join(' ', e.EnumerateArray().Select(p => p.GetString()!.Replace(" ", "\u0120", StringComparison.Ordinal)))).ToArray();
        var metadata = new Dictionary<string, GgufValue>
        {
            ["tokenizer.ggml.model"] = Str("gpt2"),
            ["tokenizer.ggml.pre"] = Str(pre),
            ["tokenizer.ggml.tokens"] = Strings(tokens),
            ["tokenizer.ggml.token_type"] = new(GgufValueType.Array, types, GgufValueType.Int32),
            ["tokenizer.ggml.merges"] = Strings(merges),
        };
        AddSpecialVocab(metadata, fixture, root);
        return metadata;
    }

    /// <summary>
    /// A SentencePiece (llama) vocabulary as _set_vocab_sentencepiece writes it from the model's tokenizer.model:
    /// piece text, score, type (unknown, control, byte, normal), then tokenizer_config's added tokens as control with
    /// score −1000. The fixture ships only tokenizer.json, whose merges HF's converter wrote in descending order of
    /// the pieces' scores; so a piece's score is recovered as −(first merge rank that yields it), which orders every
    /// merge as the SentencePiece scores did. Pieces no merge yields (single characters) score below every merge.
    /// </summary>
    public static Dictionary<string, GgufValue> SentencePiece(string fixture)
    {
        using var json = JsonDocument.Parse(Fixtures.ReadText(Path.Combine(Fixtures.Tokenizer(fixture), "tokenizer.json")));
        var root = json.RootElement;
        var model = root.GetProperty("model");
        var vocab = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        int count = vocab.Values.Max() + 1;
        var tokens = new string[count];
        foreach (var (text, id) in vocab) tokens[id] = text;

        var firstRank = new Dictionary<int, int>();
        int rank = 0;
        foreach (var e in model.GetProperty("merges").EnumerateArray())
        {
            string[] pair = e.ValueKind == JsonValueKind.String ? e.GetString()!.Split(' ') : e.EnumerateArray().Select(p => p.GetString()!).ToArray();
            firstRank.TryAdd(vocab[pair[0] + pair[1]], rank++);
        }
        var scores = new float[count];
        var types = new int[count];
        string unk = model.GetProperty("unk_token").GetString()!;
        for (int id = 0; id < count; id++)
        {
            string t = tokens[id];
            types[id] = t == unk ? Unknown
                : System.Text.RegularExpressions.Regex.IsMatch(t, "^<0x[0-9A-Fa-f]{2}>$") ? Byte
                : Normal;
            scores[id] = types[id] != Normal ? 0 : firstRank.TryGetValue(id, out int r) ? -r : -(rank + id);
        }
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Tokenizer(fixture), "tokenizer_config.json")));
        if (config.RootElement.TryGetProperty("added_tokens_decoder", out var decoder))
            foreach (var p in decoder.EnumerateObject())
            {
                int id = int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture);
                string content = p.Value.GetProperty("content").GetString()!;
                bool special = p.Value.GetProperty("special").GetBoolean();
                types[id] = special || LooksSpecial(content) ? Control : UserDefined;
                tokens[id] = types[id] == UserDefined ? content.Replace("\u2581", " ", StringComparison.Ordinal) : content;
                scores[id] = -1000;
            }
        var metadata = new Dictionary<string, GgufValue>
        {
            ["tokenizer.ggml.model"] = Str("llama"),
            ["tokenizer.ggml.pre"] = Str("default"),
            ["tokenizer.ggml.tokens"] = Strings(tokens),
            ["tokenizer.ggml.scores"] = new(GgufValueType.Array, scores, GgufValueType.Float32),
            ["tokenizer.ggml.token_type"] = new(GgufValueType.Array, types, GgufValueType.Int32),
        };
        AddSpecialVocab(metadata, fixture, root);
        return metadata;
    }

    /// <summary>convert's does_token_look_special.</summary>
    private static bool LooksSpecial(string t) =>
        t is "<pad>" or "<mask>" or "<2mass>" or "[@BOS@]"
        || (t.StartsWith("<|", StringComparison.Ordinal) && t.EndsWith("|>", StringComparison.Ordinal))
        || (t.StartsWith("<\uff5c", StringComparison.Ordinal) && t.EndsWith("\uff5c>", StringComparison.Ordinal))
        || (t.StartsWith("<unused", StringComparison.Ordinal) && t.EndsWith('>'));

    /// <summary>
    /// gguf-py SpecialVocab: add_bos/add_eos from a TemplateProcessing post-processor, then tokenizer_config.json's
    /// add_*_token booleans; bos/eos/unk/pad ids from the config's *_token text looked up among the added tokens.
    /// </summary>
    private static void AddSpecialVocab(Dictionary<string, GgufValue> metadata, string fixture, JsonElement tokenizer)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Tokenizer(fixture), "tokenizer_config.json")));
        var c = config.RootElement;
        string? Content(string typ) => c.TryGetProperty($"{typ}_token", out var e)
            ? e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Object ? e.GetProperty("content").GetString() : null
            : null;
        if (tokenizer.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object
            && post.GetProperty("type").GetString() == "TemplateProcessing")
        {
            var single = post.GetProperty("single").EnumerateArray().ToArray();
            if (single.Length > 1 && single[0].TryGetProperty("SpecialToken", out var first))
                metadata["tokenizer.ggml.add_bos_token"] = Bool(first.GetProperty("id").GetString() == Content("bos"));
            if (single.Length > 1 && single[^1].TryGetProperty("SpecialToken", out var last))
                metadata["tokenizer.ggml.add_eos_token"] = Bool(last.GetProperty("id").GetString() == Content("eos"));
        }
        var added = tokenizer.GetProperty("added_tokens").EnumerateArray()
            .Select(t => (Content: t.GetProperty("content").GetString()!, Id: t.GetProperty("id").GetInt32())).ToArray();
        foreach (var (typ, key) in new[] { ("bos", "bos_token_id"), ("eos", "eos_token_id"), ("unk", "unknown_token_id"), ("pad", "padding_token_id") })
        {
            if (typ is "bos" or "eos" && c.TryGetProperty($"add_{typ}_token", out var add) && add.ValueKind is JsonValueKind.True or JsonValueKind.False)
                metadata[$"tokenizer.ggml.add_{typ}_token"] = Bool(add.GetBoolean());
            if (Content(typ) is { } text && added.FirstOrDefault(a => a.Content == text) is { Content: not null } match)
                metadata[$"tokenizer.ggml.{key}"] = new GgufValue(GgufValueType.UInt32, (uint)match.Id);
        }
    }

    public static GgufValue Str(string s) => new(GgufValueType.String, s);
    public static GgufValue Strings(string[] s) => new(GgufValueType.Array, s, GgufValueType.String);
    public static GgufValue Bool(bool b) => new(GgufValueType.Bool, b);
}
