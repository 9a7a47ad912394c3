namespace LlmLab.Tests.Tokenization;

/// <summary>The embedded default model's byte-level BPE (data/models/brown-llama-7m/tokenizer.json).</summary>
public sealed class BrownTokenizerTests
{
    [Fact]
    public void Held_out_brown_text_round_trips_through_encode_and_decode()
    {
        string text = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt"));
        var tokenizer = TokenizerFixtures.Brown;
        int[] ids = tokenizer.Encode(text);
        Assert.True(ids.Length < text.Length / 2, $"{ids.Length} ids for {text.Length} characters: merges are not applied");
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Vocabulary_has_4096_ids_with_endoftext_as_special_id_0()
    {
        var tokenizer = TokenizerFixtures.Brown;
        Assert.Equal(4096, tokenizer.VocabSize);
        Assert.Equal(0, tokenizer.TokenToId("<|endoftext|>"));
        Assert.True(tokenizer.IsSpecial(0));
        Assert.False(tokenizer.IsSpecial(1));
        Assert.Null(tokenizer.BosTokenId);
    }

    [Fact]
    public void The_end_of_text_marker_in_text_is_one_special_token()
    {
        var tokenizer = TokenizerFixtures.Brown;
        int[] ids = tokenizer.Encode("The jury said<|endoftext|>It");
        Assert.Contains(0, ids);
        Assert.Equal("The jury said<|endoftext|>It", tokenizer.Decode(ids));
        Assert.Equal("The jury saidIt", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Unicode_text_outside_the_training_corpus_round_trips_byte_for_byte()
    {
        var tokenizer = TokenizerFixtures.Brown;
        const string text = "naïve café — 東京 😀\t\r\n  end";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }
}
