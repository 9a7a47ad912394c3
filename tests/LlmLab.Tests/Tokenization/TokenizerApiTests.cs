namespace LlmLab.Tests.Tokenization;

/// <summary>Vocabulary queries on the fixture tokenizers.</summary>
public sealed class TokenizerApiTests
{
    [Theory]
    [InlineData("llama3", 128256)]
    [InlineData("qwen3", 151669)]
    [InlineData("sp32k", 32000)]
    public void Vocabulary_size_counts_the_added_tokens(string tokenizer, int expected)
    {
        Assert.Equal(expected, TokenizerFixtures.Load(tokenizer).VocabSize);
    }

    [Theory]
    [InlineData("llama3", 128000)]
    [InlineData("qwen3", null)]
    [InlineData("sp32k", 1)]
    public void Bos_comes_from_the_template_or_a_bos_spelled_special_token(string tokenizer, int? expected)
    {
        Assert.Equal(expected, TokenizerFixtures.Load(tokenizer).BosTokenId);
    }

    [Fact]
    public void Token_strings_and_ids_map_both_ways()
    {
        var t = TokenizerFixtures.Load("llama3");
        Assert.Equal(128000, t.TokenToId("<|begin_of_text|>"));
        Assert.Equal("<|begin_of_text|>", t.IdToToken(128000));
        int the = t.TokenToId("Ġthe")!.Value;
        Assert.Equal("Ġthe", t.IdToToken(the));
        Assert.Equal([the], t.Encode(" the"));
        Assert.Null(t.TokenToId("no such token, surely"));
    }

    [Fact]
    public void Special_flags_follow_the_added_tokens_of_the_file()
    {
        var qwen = TokenizerFixtures.Load("qwen3");
        Assert.True(qwen.IsSpecial(qwen.TokenToId("<|im_start|>")!.Value));
        Assert.False(qwen.IsSpecial(qwen.TokenToId("<think>")!.Value));
        Assert.False(qwen.IsSpecial(qwen.Encode("hello")[0]));
    }

    [Fact]
    public void Decoding_can_skip_special_tokens()
    {
        var t = TokenizerFixtures.Load("llama3");
        int[] ids = t.Encode("<|begin_of_text|>special text<|end_of_text|>");
        Assert.Equal("special text", t.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void A_gzip_compressed_tokenizer_json_loads_like_the_plain_file()
    {
        string dir = Fixtures.TempDir();
        string gz = Path.Combine(dir, "tokenizer.json.gz");
        using (var output = new System.IO.Compression.GZipStream(File.Create(gz), System.IO.Compression.CompressionLevel.Fastest))
        {
            using var input = File.OpenRead(TokenizerFixtures.JsonPath("sp32k"));
            input.CopyTo(output);
        }
        var fromGzip = LlmLab.Tokenization.Tokenizer.FromFile(gz);
        Assert.Equal(TokenizerFixtures.Load("sp32k").Encode("Hello, world!"), fromGzip.Encode("Hello, world!"));
    }
}
