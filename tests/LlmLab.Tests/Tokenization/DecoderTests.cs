namespace LlmLab.Tests.Tokenization;

/// <summary>Decoder chains turn token strings back into text as tokenizers' decode does.</summary>
public sealed class DecoderTests
{
    private const string LlamaDecoder = """
        {"type": "Sequence", "decoders": [
          {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
          {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
        """;

    [Fact]
    public void A_byte_run_that_is_not_utf8_becomes_one_replacement_character_per_byte()
    {
        var vocab = new List<string> { "▁a" };
        vocab.AddRange(TinyTokenizer.ByteFallbackTokens());
        var t = TinyTokenizer.Load(TinyTokenizer.Json(vocab, decoder: LlamaDecoder));
        int B(int b) => 1 + b;
        Assert.Equal("\uFFFD\uFFFD a", t.Decode([B(0xE4), B(0xB8), 0]));
        Assert.Equal("中 a", t.Decode([B(0xE4), B(0xB8), B(0xAD), 0]));
        // The run decodes as a whole: one bad byte turns the valid "A" before it into U+FFFD too.
        Assert.Equal("\uFFFD\uFFFD", t.Decode([B(0x41), B(0xFF)]));
    }

    [Fact]
    public void The_llama_decoder_strips_one_space_at_the_start_of_the_text_only()
    {
        var t = TinyTokenizer.Load(TinyTokenizer.Json(["▁a", "▁", "▁b"], decoder: LlamaDecoder));
        Assert.Equal("a b", t.Decode([0, 2]));
        Assert.Equal(" a", t.Decode([1, 0]));
        Assert.Equal("  a", t.Decode([1, 1, 0]));
    }

    [Fact]
    public void The_metaspace_decoder_drops_the_spaces_of_the_first_token_unless_it_never_prepends()
    {
        string[] vocab = ["▁Hey", "▁friend!"];
        var always = TinyTokenizer.Load(TinyTokenizer.Json(vocab, decoder: """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}"""));
        var never = TinyTokenizer.Load(TinyTokenizer.Json(vocab, decoder: """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": true}"""));
        Assert.Equal("Hey friend!", always.Decode([0, 1]));
        Assert.Equal(" Hey friend!", never.Decode([0, 1]));
    }

    [Fact]
    public void Without_a_decoder_tokens_are_joined_with_spaces()
    {
        var t = TinyTokenizer.Load(TinyTokenizer.Json(["a", "b"]));
        Assert.Equal("a b a", t.Decode([0, 1, 0]));
        Assert.Equal("a b a", string.Concat(new[] { 0, 1, 0 }.Select(t.CreateStreamDecoder().Append)));
    }

    [Fact]
    public void The_byte_level_decoder_keeps_an_added_token_outside_its_alphabet_as_written()
    {
        var vocab = TinyTokenizer.ByteLevelAlphabetTokens().ToList();
        var t = TinyTokenizer.Load(TinyTokenizer.Json(vocab,
            decoder: """{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}""",
            addedTokens: $"[{TinyTokenizer.Added(256, "你好\n", special: false)}]"));
        // Vocabulary ids are byte values here.
        Assert.Equal("a你好\nb", t.Decode(['a', 256, 'b']));
    }
}
