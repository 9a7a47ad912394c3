using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmLab.Formats;

namespace LlmLab.Tokenization;

/// <summary>
/// GGUF tokenizer metadata (<c>tokenizer.ggml.*</c>) made from a Hugging Face tokenizer.json + tokenizer_config.json
/// the way llama.cpp's convert_hf_to_gguf.py makes it: <c>get_vocab_base</c> for byte-level BPE (gpt2),
/// <c>_set_vocab_sentencepiece</c> for SentencePiece BPE (llama), and gguf-py's <c>SpecialVocab</c> for the special
/// ids, add_bos/add_eos and merges. <c>tokenizer.ggml.pre</c> is recognised from the tokenizer.json's pre-tokenizer
/// (convert recognises it by hashing the tokens of a test text; the regex is what that hash stands for).
/// </summary>
public static class GgufVocabularyExport
{
    // gguf-py TokenType.
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary>convert's score for added tokens of a SentencePiece vocabulary (below every real piece).</summary>
    private const float AddedTokenScore = -1000;

    /// <summary>Split regexes of the tokenizer.json families whose llama.cpp pre-tokenizer name is known.</summary>
    private static readonly Dictionary<string, string> PreByPattern = new(StringComparer.Ordinal)
    {
        // Llama 3 / 3.1 / 3.2: digits in runs of up to three.
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "llama-bpe",
        // Qwen2 / 2.5 / 3: single digits.
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "qwen2",
    };

    /// <summary>
    /// The tokenizer metadata for a tokenizer.json (<paramref name="tokenizerJson"/>, text) and its optional
    /// tokenizer_config.json (<paramref name="tokenizerConfigJson"/>), padded to the model's
    /// <paramref name="vocabSize"/> with <c>[PADn]</c> entries as convert does. Special ids come only from
    /// tokenizer_config.json here; config.json's bos/eos ids (SpecialVocab's fallback) are written with the model keys.
    /// </summary>
    /// <param name="source">The tokenizer.json path, for messages.</param>
    /// <param name="tokenizerJson">tokenizer.json's text.</param>
    /// <param name="tokenizerConfigJson">tokenizer_config.json's text, or null when the model has none.</param>
    /// <param name="vocabSize">The model's vocabulary (embedding rows); the token list is padded to it.</param>
    /// <exception cref="InvalidTokenizerException">The tokenizer is not BPE, its pre-tokenizer is not one llama.cpp knows, or it has more tokens than the model.</exception>
    public static Dictionary<string, GgufValue> FromJson(string source, string tokenizerJson, string? tokenizerConfigJson, int vocabSize)
    {
        using var json = ParseJson(source, tokenizerJson);
        using var config = tokenizerConfigJson is null ? null : ParseJson(source + " (tokenizer_config.json)", tokenizerConfigJson);
        var root = json.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("type", out var type) || type.GetString() != "BPE")
            throw new InvalidTokenizerException($"{source}: field 'model.type' is not BPE; GGUF export writes byte-level (gpt2) and SentencePiece (llama) BPE vocabularies");
        bool sentencePiece = model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True;
        var metadata = sentencePiece
            ? SentencePiece(source, root, model, config?.RootElement, vocabSize)
            : ByteLevel(source, root, model, vocabSize);
        AddSpecialVocab(metadata, root, config?.RootElement);
        return metadata;
    }

    /// <summary>The <c>tokenizer.ggml.pre</c> name of a byte-level tokenizer.json's pre-tokenizer.</summary>
    /// <exception cref="InvalidTokenizerException">A pre-tokenizer LlmLab cannot name for llama.cpp.</exception>
    public static string DetectPreTokenizer(string source, JsonElement tokenizer)
    {
        if (!tokenizer.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
            throw new InvalidTokenizerException($"{source}: field 'pre_tokenizer' is missing; a byte-level BPE tokenizer needs one to say how text is split");
        string? kind = pre.TryGetProperty("type", out var t) ? t.GetString() : null;
        // GPT-2 itself: ByteLevel with its built-in regex.
        if (kind == "ByteLevel" && pre.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.True)
            return "gpt-2";
        if (kind == "Sequence" && pre.TryGetProperty("pretokenizers", out var steps) && steps.ValueKind == JsonValueKind.Array)
            foreach (var step in steps.EnumerateArray())
                if (step.TryGetProperty("type", out var st) && st.GetString() == "Split"
                    && step.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
                    && pattern.TryGetProperty("Regex", out var regex) && regex.GetString() is { } r)
                    return PreByPattern.TryGetValue(r, out string? name) ? name
                        : throw new InvalidTokenizerException($"{source}: field 'pre_tokenizer' splits with regex '{r}', which is not one of the families LlmLab names for llama.cpp (Llama 3 'llama-bpe', Qwen2 'qwen2', GPT-2 'gpt-2')");
        throw new InvalidTokenizerException($"{source}: field 'pre_tokenizer' is a {kind ?? "untyped"} pre-tokenizer LlmLab cannot name for llama.cpp; supported: Llama 3 'llama-bpe', Qwen2 'qwen2', GPT-2 'gpt-2'");
    }

    /// <summary>
    /// A byte-level (gpt2) vocabulary: ids without a token become <c>[PADn]</c> (unused); added tokens are control
    /// when special or special-looking, else user-defined; the merges are copied ("a b" text form).
    /// </summary>
    private static Dictionary<string, GgufValue> ByteLevel(string source, JsonElement root, JsonElement model, int vocabSize)
    {
        var byId = new Dictionary<int, (string Text, int Type)>();
        foreach (var p in Property(source, model, "vocab", "model.vocab").EnumerateObject()) byId[p.Value.GetInt32()] = (p.Name, Normal);
        foreach (var t in AddedTokens(root))
            byId[t.Id] = (t.Content, t.Special || LooksSpecial(t.Content) ? Control : UserDefined);
        var (tokens, types) = Fill(source, byId, vocabSize);
        var merges = Property(source, model, "merges", "model.merges").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            // Newer tokenizer.json files give merges as pairs; convert joins them with a space after mapping spaces to 'Ġ'.
            : string.Join(' ', e.EnumerateArray().Select(p => p.GetString()!.Replace(" ", "\u0120", StringComparison.Ordinal)))).ToArray();
        return new Dictionary<string, GgufValue>(StringComparer.Ordinal)
        {
            ["tokenizer.ggml.model"] = Str("gpt2"),
            ["tokenizer.ggml.pre"] = Str(DetectPreTokenizer(source, root)),
            ["tokenizer.ggml.tokens"] = Strings(tokens),
            ["tokenizer.ggml.token_type"] = new(GgufValueType.Array, types, GgufValueType.Int32),
            ["tokenizer.ggml.merges"] = Strings(merges),
        };
    }

    /// <summary>
    /// A SentencePiece (llama) vocabulary as <c>_set_vocab_sentencepiece</c> writes it: piece, score, type (unknown,
    /// control, byte, normal), then tokenizer_config's added tokens with score −1000. Only tokenizer.json is read (no
    /// tokenizer.model), whose merges HF's converter wrote in descending order of the pieces' scores; so a piece's
    /// score is recovered as −(first merge rank that yields it), which orders every merge as the SentencePiece scores
    /// did. Pieces no merge yields (single characters) score below every merge.
    /// </summary>
    private static Dictionary<string, GgufValue> SentencePiece(string source, JsonElement root, JsonElement model, JsonElement? config, int vocabSize)
    {
        var vocab = Property(source, model, "vocab", "model.vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        var byId = vocab.ToDictionary(p => p.Value, p => (p.Key, Normal));
        var (tokens, types) = Fill(source, byId, vocabSize);

        var firstRank = new Dictionary<int, int>();
        int rank = 0;
        foreach (var e in Property(source, model, "merges", "model.merges").EnumerateArray())
        {
            string[] pair = e.ValueKind == JsonValueKind.String ? e.GetString()!.Split(' ') : e.EnumerateArray().Select(p => p.GetString()!).ToArray();
            if (pair.Length == 2 && vocab.TryGetValue(pair[0] + pair[1], out int merged)) firstRank.TryAdd(merged, rank);
            rank++;
        }
        var scores = new float[tokens.Length];
        string? unk = model.TryGetProperty("unk_token", out var u) ? u.GetString() : null;
        for (int id = 0; id < tokens.Length; id++)
        {
            if (types[id] == Unused) continue;
            string t = tokens[id];
            types[id] = t == unk ? Unknown : ByteToken.IsMatch(t) ? Byte : Normal;
            scores[id] = types[id] != Normal ? 0 : firstRank.TryGetValue(id, out int r) ? -r : -(rank + id);
        }
        if (config is { } c && c.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
            foreach (var p in decoder.EnumerateObject())
            {
                if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= tokens.Length) continue;
                string content = p.Value.GetProperty("content").GetString()!;
                bool special = p.Value.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                types[id] = special || LooksSpecial(content) ? Control : UserDefined;
                tokens[id] = types[id] == UserDefined ? content.Replace("\u2581", " ", StringComparison.Ordinal) : content;
                scores[id] = AddedTokenScore;
            }
        return new Dictionary<string, GgufValue>(StringComparer.Ordinal)
        {
            ["tokenizer.ggml.model"] = Str("llama"),
            ["tokenizer.ggml.pre"] = Str("default"),
            ["tokenizer.ggml.tokens"] = Strings(tokens),
            ["tokenizer.ggml.scores"] = new(GgufValueType.Array, scores, GgufValueType.Float32),
            ["tokenizer.ggml.token_type"] = new(GgufValueType.Array, types, GgufValueType.Int32),
        };
    }

    private static readonly Regex ByteToken = new("^<0x[0-9A-Fa-f]{2}>$", RegexOptions.CultureInvariant);

    /// <summary>Tokens and types by id, padded to <paramref name="vocabSize"/> with unused <c>[PADn]</c> entries.</summary>
    private static (string[] Tokens, int[] Types) Fill(string source, Dictionary<int, (string Text, int Type)> byId, int vocabSize)
    {
        int highest = byId.Count == 0 ? -1 : byId.Keys.Max();
        if (highest >= vocabSize || byId.Keys.Any(id => id < 0))
            throw new InvalidTokenizerException($"{source}: holds token id {(highest >= vocabSize ? highest : byId.Keys.Min())}, outside the model's vocabulary of {vocabSize}; the tokenizer does not belong to this model");
        var tokens = new string[vocabSize];
        var types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++)
            (tokens[i], types[i]) = byId.TryGetValue(i, out var t) ? t : ($"[PAD{i}]", Unused);
        return (tokens, types);
    }

    /// <summary>convert's <c>does_token_look_special</c>.</summary>
    private static bool LooksSpecial(string t) =>
        t is "<pad>" or "<mask>" or "<2mass>" or "[@BOS@]"
        || (t.StartsWith("<|", StringComparison.Ordinal) && t.EndsWith("|>", StringComparison.Ordinal))
        || (t.StartsWith("<\uff5c", StringComparison.Ordinal) && t.EndsWith("\uff5c>", StringComparison.Ordinal))
        || (t.StartsWith("<unused", StringComparison.Ordinal) && t.EndsWith('>'));

    /// <summary>
    /// gguf-py SpecialVocab: add_bos/add_eos from a TemplateProcessing post-processor, then tokenizer_config.json's
    /// add_*_token booleans; bos/eos/unk/pad ids from the config's *_token text looked up among the added tokens.
    /// </summary>
    private static void AddSpecialVocab(Dictionary<string, GgufValue> metadata, JsonElement tokenizer, JsonElement? config)
    {
        string? Content(string typ) => config is { } c && c.TryGetProperty($"{typ}_token", out var e)
            ? e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Object && e.TryGetProperty("content", out var content) ? content.GetString() : null
            : null;
        if (tokenizer.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object
            && post.TryGetProperty("type", out var pt) && pt.GetString() == "TemplateProcessing" && post.TryGetProperty("single", out var s))
        {
            var single = s.EnumerateArray().ToArray();
            if (single.Length > 1 && single[0].TryGetProperty("SpecialToken", out var first))
                metadata["tokenizer.ggml.add_bos_token"] = Bool(first.GetProperty("id").GetString() == Content("bos"));
            if (single.Length > 1 && single[^1].TryGetProperty("SpecialToken", out var last))
                metadata["tokenizer.ggml.add_eos_token"] = Bool(last.GetProperty("id").GetString() == Content("eos"));
        }
        var added = AddedTokens(tokenizer);
        foreach (var (typ, key) in new[] { ("bos", "bos_token_id"), ("eos", "eos_token_id"), ("unk", "unknown_token_id"), ("pad", "padding_token_id") })
        {
            if (typ is "bos" or "eos" && config is { } c && c.TryGetProperty($"add_{typ}_token", out var add) && add.ValueKind is JsonValueKind.True or JsonValueKind.False)
                metadata[$"tokenizer.ggml.add_{typ}_token"] = Bool(add.GetBoolean());
            if (Content(typ) is { } text && added.FirstOrDefault(a => a.Content == text) is { } match)
                metadata[$"tokenizer.ggml.{key}"] = new GgufValue(GgufValueType.UInt32, (uint)match.Id);
        }
    }

    private sealed record AddedEntry(int Id, string Content, bool Special);

    private static AddedEntry[] AddedTokens(JsonElement tokenizer) =>
        tokenizer.TryGetProperty("added_tokens", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(t => new AddedEntry(t.GetProperty("id").GetInt32(), t.GetProperty("content").GetString()!,
                t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True)).ToArray()
            : [];

    private static JsonElement Property(string source, JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out var v) ? v : throw new InvalidTokenizerException($"{source}: field '{path}' is missing");

    private static JsonDocument ParseJson(string source, string text)
    {
        try { return JsonDocument.Parse(text); }
        catch (JsonException e) { throw new InvalidTokenizerException($"{source}: not valid JSON ({e.Message})"); }
    }

    private static GgufValue Str(string s) => new(GgufValueType.String, s);
    private static GgufValue Strings(string[] s) => new(GgufValueType.Array, s, GgufValueType.String);
    private static GgufValue Bool(bool b) => new(GgufValueType.Bool, b);
}
