using System.Collections.Concurrent;
using LlmLab.Formats;
using LlmLab.Tokenization;
using static LlmLab.Tests.Tokenization.GgufVocabulary;

namespace LlmLab.Tests.Tokenization;

/// <summary>
/// <see cref="GgufTokenizer"/> on metadata converted from the fixture tokenizers (tests/fixtures/tokenizers, see
/// <see cref="GgufVocabulary"/>) against the ids and text HF tokenizers gives for the same tokenizer.json (golden.json).
/// </summary>
public sealed class GgufTokenizerTests
{
    private const string File = "/models/model.gguf";

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();

    /// <summary>
    /// The fixture's GGUF tokenizer. The llama3 tokenizer.json is Meta's first release, whose ByteLevel post-processor
    /// adds no BOS; a GGUF converted from it has no add_bos_token key, and llama.cpp's llama-bpe default then adds one
    /// (tested below). To compare with HF on that file, this copy states add_bos_token = false.
    /// </summary>
    private static Tokenizer Load(string fixture) => Loaded.GetOrAdd(fixture, f => new Lazy<Tokenizer>(() =>
    {
        var metadata = For(f);
        if (f == "llama3") metadata["tokenizer.ggml.add_bos_token"] = Bool(false);
        return GgufTokenizer.Read(metadata, File);
    })).Value;

    public static TheoryData<string, int> Cases => TokenizerFixtures.AllCases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_without_special_tokens_gives_the_ids_of_hugging_face(string fixture, int index)
    {
        var c = TokenizerFixtures.Golden(fixture)[index];
        Assert.Equal(c.Ids, Load(fixture).Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_with_special_tokens_gives_the_ids_of_hugging_face(string fixture, int index)
    {
        var c = TokenizerFixtures.Golden(fixture)[index];
        Assert.Equal(c.IdsWithSpecial, Load(fixture).Encode(c.Text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_gives_the_text_of_hugging_face(string fixture, int index)
    {
        var c = TokenizerFixtures.Golden(fixture)[index];
        Assert.Equal(c.Decoded, Load(fixture).Decode(c.Ids));
    }

    /// <summary>Pieces of random texts: words, digits, punctuation, whitespace runs, CJK, emoji, decomposed accents, special tokens.</summary>
    private static readonly string[] Pieces =
    [
        "the", "The", " quick", "'s", "'LL", "don't", "  ", "   ", "\t", "\n", "\r\n", " ", "0", "12", "345", "6789", ".", ",", "!?",
        "...", "(", ")", "<", ">", "/", "_", "\u00e9", "e\u0301", "\u4e2d\u6587", "\u65e5\u672c\u8a9e", "\U0001F600", "\U0001F1E8",
        "\u2581", "\u00a0", "\u200b", "<s>", "</s>", "<|begin_of_text|>", "<|im_start|>", "<|endoftext|>", "aaaa", "ing",
    ];

    [Theory]
    [MemberData(nameof(Fixture))]
    public void Gguf_tokenizer_agrees_with_the_tokenizer_json_it_was_converted_from_on_random_texts(string fixture)
    {
        var gguf = Load(fixture);
        var json = TokenizerFixtures.Load(fixture);
        var random = new Random(20261207);
        for (int i = 0; i < 300; i++)
        {
            var sb = new System.Text.StringBuilder();
            for (int n = random.Next(1, 12); n > 0; n--) sb.Append(Pieces[random.Next(Pieces.Length)]);
            string text = sb.ToString();
            int[] ids = json.Encode(text);
            Assert.Equal(ids, gguf.Encode(text));
            Assert.Equal(json.Encode(text, addSpecialTokens: true), gguf.Encode(text, addSpecialTokens: true));
            Assert.Equal(json.Decode(ids), gguf.Decode(ids));
        }
    }

    public static TheoryData<string> Fixture => new(TokenizerFixtures.Names);

    [Fact]
    public void Llama_bpe_without_an_add_bos_token_key_adds_bos_as_llama_cpp_does()
    {
        var tokenizer = GgufTokenizer.Read(For("llama3"), File);
        var c = TokenizerFixtures.Golden("llama3")[0];
        Assert.Equal(new[] { 128000 }.Concat(c.Ids), tokenizer.Encode(c.Text, addSpecialTokens: true));
        Assert.Equal(128000, tokenizer.BosTokenId);
    }

    [Fact]
    public void Special_tokens_of_the_vocabulary_are_matched_whole_and_skipped_on_request()
    {
        var tokenizer = Load("qwen3");
        int[] ids = tokenizer.Encode("<|im_start|>user");
        Assert.Equal(151644, ids[0]);
        Assert.True(tokenizer.IsSpecial(151644));
        Assert.Equal("user", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Padding_slots_of_the_vocabulary_are_no_tokens()
    {
        var tokenizer = Load("qwen3");
        Assert.Null(tokenizer.IdToToken(151700));
        Assert.Equal("", tokenizer.Decode([151700]));
        Assert.Null(tokenizer.TokenToId("[PAD151700]"));
    }

    [Fact]
    public void Sentencepiece_vocabulary_falls_back_to_byte_tokens_for_unknown_characters()
    {
        var tokenizer = Load("sp32k");
        // U+1F1E8 (regional indicator C) has no piece of its own: its four UTF-8 bytes come out as byte tokens.
        int[] ids = tokenizer.Encode("\U0001F1E8");
        Assert.Equal(["\u2581", "<0xF0>", "<0x9F>", "<0x87>", "<0xA8>"], ids.Select(i => tokenizer.IdToToken(i)));
        Assert.Equal("\U0001F1E8", tokenizer.Decode(ids));
    }

    // Errors, on a tiny byte-level vocabulary: a, b, ab, <|end|>.
    private static Dictionary<string, GgufValue> Tiny() => new()
    {
        ["tokenizer.ggml.model"] = Str("gpt2"),
        ["tokenizer.ggml.pre"] = Str("qwen2"),
        ["tokenizer.ggml.tokens"] = Strings(["a", "b", "ab", "<|end|>"]),
        ["tokenizer.ggml.token_type"] = new(GgufValueType.Array, new[] { 1, 1, 1, 3 }, GgufValueType.Int32),
        ["tokenizer.ggml.merges"] = Strings(["a b"]),
        ["tokenizer.ggml.eos_token_id"] = new(GgufValueType.UInt32, 3u),
    };

    [Fact]
    public void Tiny_vocabulary_merges_and_matches_its_control_token()
    {
        var tokenizer = GgufTokenizer.Read(Tiny(), File);
        Assert.Equal([2, 0, 3], tokenizer.Encode("aba<|end|>"));
    }

    [Fact]
    public void Unknown_tokenizer_model_names_the_key_and_what_is_supported()
    {
        var m = Tiny();
        m["tokenizer.ggml.model"] = Str("t5");
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.model", "t5", "gpt2", "llama");
    }

    [Fact]
    public void Unknown_pre_tokenizer_names_the_key_and_what_is_supported()
    {
        var m = Tiny();
        m["tokenizer.ggml.pre"] = Str("deepseek-llm");
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.pre", "deepseek-llm", "llama-bpe", "qwen2");
    }

    [Fact]
    public void Missing_merges_are_named()
    {
        var m = Tiny();
        m.Remove("tokenizer.ggml.merges");
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.merges", "missing");
    }

    [Fact]
    public void A_merge_naming_an_unknown_token_is_named_with_its_entry()
    {
        var m = Tiny();
        m["tokenizer.ggml.merges"] = Strings(["a b", "b c"]);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.merges", "entry 1", "\"c\"");
    }

    [Fact]
    public void A_merge_line_without_a_space_is_rejected()
    {
        var m = Tiny();
        m["tokenizer.ggml.merges"] = Strings(["ab"]);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.merges", "entry 0", "space");
    }

    [Fact]
    public void Token_count_that_differs_from_the_models_vocab_size_is_rejected()
    {
        var m = Tiny();
        m["general.architecture"] = Str("qwen2");
        m["qwen2.vocab_size"] = new(GgufValueType.UInt32, 5u);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.tokens", "4 tokens", "qwen2.vocab_size", "5");
    }

    [Fact]
    public void Token_types_of_another_length_are_rejected()
    {
        var m = Tiny();
        m["tokenizer.ggml.token_type"] = new(GgufValueType.Array, new[] { 1, 1, 1 }, GgufValueType.Int32);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.token_type", "3 types", "4 tokens");
    }

    [Fact]
    public void A_special_id_outside_the_vocabulary_is_rejected()
    {
        var m = Tiny();
        m["tokenizer.ggml.eos_token_id"] = new(GgufValueType.UInt32, 4u);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.eos_token_id", "4", "outside");
    }

    [Fact]
    public void Add_bos_without_a_bos_id_is_rejected()
    {
        var m = Tiny();
        m["tokenizer.ggml.add_bos_token"] = Bool(true);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.add_bos_token", "bos_token_id");
    }

    [Fact]
    public void A_duplicate_token_is_rejected_with_both_ids()
    {
        var m = Tiny();
        m["tokenizer.ggml.tokens"] = Strings(["a", "b", "a", "<|end|>"]);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.tokens", "ids 0 and 2");
    }

    [Fact]
    public void A_sentencepiece_vocabulary_without_scores_is_rejected()
    {
        var m = Tiny();
        m["tokenizer.ggml.model"] = Str("llama");
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.scores", "missing");
    }

    [Fact]
    public void Scores_of_another_length_are_rejected()
    {
        var m = Tiny();
        m["tokenizer.ggml.model"] = Str("llama");
        m["tokenizer.ggml.scores"] = new(GgufValueType.Array, new[] { 0f, -1f }, GgufValueType.Float32);
        Rejection.Expect<InvalidTokenizerException>(() => GgufTokenizer.Read(m, File), File, "tokenizer.ggml.scores", "2 scores", "4 tokens");
    }
}
