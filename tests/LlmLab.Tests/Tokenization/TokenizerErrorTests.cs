using System.Text.Json.Nodes;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>Bad tokenizer.json files: one-line InvalidTokenizerException naming file and field; no crash, hang or huge allocation.</summary>
public sealed class TokenizerErrorTests
{
    private static readonly string[] Vocab = ["a", "b", "ab", " ", "<s>"];

    private static string Valid => TinyTokenizer.Json(Vocab, ["a b"]);

    [Fact]
    public void A_valid_tiny_tokenizer_loads()
    {
        Assert.Equal([2, 0], TinyTokenizer.Load(Valid).Encode("aba"));
    }

    [Fact]
    public void Text_that_is_not_json_names_the_file_and_says_so()
    {
        var e = Fails("{ \"model\": ");
        AssertMessage(e, "tiny.json", "not valid JSON");
    }

    [Fact]
    public void Json_that_is_not_an_object_is_rejected()
    {
        AssertMessage(Fails("[1, 2, 3]"), "tiny.json", "not an object");
    }

    [Fact]
    public void Json_nested_deeper_than_any_tokenizer_is_rejected_as_invalid()
    {
        AssertMessage(Fails(new string('[', 100) + new string(']', 100)), "not valid JSON");
    }

    [Fact]
    public void A_missing_model_is_named()
    {
        AssertMessage(Fails("{\"version\": \"1.0\"}"), "tiny.json", "model", "missing");
    }

    [Fact]
    public void An_unknown_model_type_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["type"] = "Foo")), "model.type", "\"Foo\"", "BPE");
    }

    [Fact]
    public void A_unigram_model_is_reported_as_unsupported()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["type"] = "Unigram")), "model.type", "\"Unigram\"", "not supported");
    }

    [Fact]
    public void A_missing_vocabulary_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!.AsObject().Remove("vocab"))), "model.vocab", "missing");
    }

    [Fact]
    public void A_vocabulary_of_the_wrong_type_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["vocab"] = new JsonArray(1, 2))), "model.vocab", "must be an object", "an array");
    }

    [Fact]
    public void A_token_id_that_is_not_an_integer_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["vocab"]!["a"] = "zero")), "model.vocab[\"a\"]", "must be an integer");
    }

    [Fact]
    public void A_huge_token_id_is_rejected_before_anything_is_sized_by_it()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["vocab"]!["a"] = int.MaxValue)), "model.vocab[\"a\"]", "2147483647", "outside the sane range");
    }

    [Fact]
    public void A_negative_token_id_is_rejected()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["vocab"]!["a"] = -1)), "model.vocab[\"a\"]", "-1");
    }

    [Fact]
    public void A_merge_naming_an_unknown_token_names_the_merge_and_the_token()
    {
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, ["a b", "a zz"])), "model.merges[1]", "\"zz\"", "not in model.vocab");
    }

    [Fact]
    public void A_merge_whose_result_is_not_in_the_vocabulary_is_named()
    {
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, ["b a"])), "model.merges[0]", "\"ba\"");
    }

    [Fact]
    public void A_merge_string_without_exactly_one_space_is_named()
    {
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, ["ab"])), "model.merges[0]", "one space");
    }

    [Fact]
    public void A_merge_that_is_neither_string_nor_pair_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["model"]!["merges"] = new JsonArray(42))), "model.merges[0]", "neither");
    }

    [Fact]
    public void An_unk_token_missing_from_the_vocabulary_is_named()
    {
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, model: ", \"unk_token\": \"<unk>\"")), "model.unk_token", "\"<unk>\"");
    }

    [Fact]
    public void Dropout_is_rejected_because_it_makes_encoding_random()
    {
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, model: ", \"dropout\": 0.1")), "model.dropout", "random");
    }

    [Fact]
    public void A_regex_that_does_not_compile_names_the_pattern_field()
    {
        string pre = """{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(?<open"}, "behavior": "Isolated", "invert": false}]}""";
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, preTokenizer: pre)), "pre_tokenizer.pretokenizers[0].pattern.Regex", "does not compile");
    }

    [Fact]
    public void A_catastrophically_backtracking_regex_times_out_instead_of_hanging()
    {
        string pre = """{"type": "Split", "pattern": {"Regex": "^(\\w+\\s?)*$"}, "behavior": "Isolated", "invert": false}""";
        var tokenizer = Tokenizer.FromJson(TinyTokenizer.Json(Vocab, preTokenizer: pre), "tiny.json", TimeSpan.FromMilliseconds(100));
        string evil = new string('a', 40) + "!";
        var e = Assert.Throws<InvalidTokenizerException>(() => tokenizer.Encode(evil));
        AssertMessage(e, "tiny.json", "pre_tokenizer.pattern.Regex", "backtracking");
    }

    [Fact]
    public void A_split_pattern_with_neither_string_nor_regex_is_named()
    {
        string pre = """{"type": "Split", "pattern": {"Glob": "*"}, "behavior": "Isolated"}""";
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, preTokenizer: pre)), "pre_tokenizer.pattern", "neither");
    }

    [Fact]
    public void An_unknown_split_behavior_is_named()
    {
        string pre = """{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}""";
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, preTokenizer: pre)), "pre_tokenizer.behavior", "\"Sideways\"");
    }

    [Theory]
    [InlineData("normalizer", "{\"type\": \"BertNormalizer\"}", "normalizer.type")]
    [InlineData("pre_tokenizer", "{\"type\": \"UnicodeScripts\"}", "pre_tokenizer.type")]
    [InlineData("decoder", "{\"type\": \"WordPiece\"}", "decoder.type")]
    [InlineData("post_processor", "{\"type\": \"Magic\"}", "post_processor.type")]
    public void An_unsupported_component_type_is_named_with_the_supported_ones(string member, string json, string field)
    {
        var e = Fails(Mutate(j => j[member] = JsonNode.Parse(json)));
        AssertMessage(e, field, "supported:");
    }

    [Fact]
    public void A_component_without_a_type_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["decoder"] = new JsonObject())), "decoder.type", "missing");
    }

    [Fact]
    public void An_added_token_without_content_is_named()
    {
        AssertMessage(Fails(Mutate(j => j["added_tokens"] = JsonNode.Parse("[{\"id\": 4}]"))), "added_tokens[0].content", "missing");
    }

    [Fact]
    public void A_template_using_an_undefined_special_token_is_named()
    {
        string post = """{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {}}""";
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, postProcessor: post)), "post_processor.single[0].SpecialToken", "\"<bos>\"");
    }

    [Fact]
    public void A_metaspace_replacement_longer_than_one_character_is_named()
    {
        string pre = """{"type": "Metaspace", "replacement": "__", "prepend_scheme": "always", "split": true}""";
        AssertMessage(Fails(TinyTokenizer.Json(Vocab, preTokenizer: pre)), "pre_tokenizer.replacement", "one character");
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        string path = Path.Combine(Fixtures.TempDir(), "nope.json");
        AssertMessage(Assert.Throws<InvalidTokenizerException>(() => Tokenizer.FromFile(path)), path, "not found");
    }

    [Fact]
    public void An_empty_file_is_reported_as_empty()
    {
        string path = Path.Combine(Fixtures.TempDir(), "tokenizer.json");
        File.WriteAllText(path, "");
        AssertMessage(Assert.Throws<InvalidTokenizerException>(() => Tokenizer.FromFile(path)), path, "empty");
    }

    [Fact]
    public void A_git_lfs_pointer_is_recognised()
    {
        string path = Path.Combine(Fixtures.TempDir(), "tokenizer.json");
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 9085657\n");
        AssertMessage(Assert.Throws<InvalidTokenizerException>(() => Tokenizer.FromFile(path)), path, "Git LFS pointer", "download");
    }

    [Fact]
    public void A_corrupt_gzip_file_is_reported()
    {
        string path = Path.Combine(Fixtures.TempDir(), "tokenizer.json.gz");
        File.WriteAllBytes(path, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        AssertMessage(Assert.Throws<InvalidTokenizerException>(() => Tokenizer.FromFile(path)), path, "gzip");
    }

    [Fact]
    public void Decoding_ids_outside_the_vocabulary_skips_them()
    {
        var tokenizer = TinyTokenizer.Load(Valid);
        Assert.Equal("a b", tokenizer.Decode([0, -1, int.MaxValue, 1, int.MinValue]));
        Assert.Null(tokenizer.IdToToken(-5));
        Assert.Null(tokenizer.IdToToken(1 << 30));
        Assert.False(tokenizer.IsSpecial(-5));
        Assert.Equal("", tokenizer.CreateStreamDecoder().Append(-7));
    }

    [Fact]
    public void Encoding_null_text_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => TinyTokenizer.Load(Valid).Encode(null!));
    }

    private static InvalidTokenizerException Fails(string json) =>
        Assert.Throws<InvalidTokenizerException>(() => TinyTokenizer.Load(json));

    private static string Mutate(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(Valid)!.AsObject();
        change(root);
        return root.ToJsonString();
    }

    private static void AssertMessage(Exception e, params string[] fragments)
    {
        Assert.DoesNotContain('\n', e.Message);
        foreach (string f in fragments) Assert.Contains(f, e.Message);
    }
}
