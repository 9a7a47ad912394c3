namespace LlmLab.Tests.Tokenization;

/// <summary>Added tokens are matched in the text before pre-tokenization, with tokenizers' rules.</summary>
public sealed class AddedTokenTests
{
    // Single characters only (no merges): ids show exactly where added tokens were cut out.
    private static readonly string[] Letters = [.. "abcdefghijklmnopqrstuvwxyz _!<>".Select(c => c.ToString())];

    private static int Id(char c) => Array.IndexOf(Letters, c.ToString());

    private static int[] Ids(string s) => s.Select(Id).ToArray();

    [Fact]
    public void The_longest_added_token_wins_at_a_position()
    {
        var t = Load(TinyTokenizer.Added(100, "ab"), TinyTokenizer.Added(101, "abc"));
        Assert.Equal([Id('x'), 101, Id('x'), 100], t.Encode("xabcxab"));
    }

    [Fact]
    public void A_single_word_token_is_not_matched_inside_a_word()
    {
        var t = Load(TinyTokenizer.Added(100, "cat", singleWord: true));
        Assert.Equal([100, .. Ids(" dog")], t.Encode("cat dog"));
        Assert.Equal(Ids("concat"), t.Encode("concat"));
        Assert.Equal(Ids("cat_"), t.Encode("cat_"));
        Assert.Equal([.. Ids("a "), 100, .. Ids("!")], t.Encode("a cat!"));
    }

    [Fact]
    public void An_lstrip_token_swallows_the_whitespace_on_its_left()
    {
        var t = Load(TinyTokenizer.Added(100, "<m>", lstrip: true));
        Assert.Equal([Id('a'), 100, Id('b')], t.Encode("a   <m>b"));
    }

    [Fact]
    public void An_rstrip_token_swallows_the_whitespace_on_its_right()
    {
        var t = Load(TinyTokenizer.Added(100, "<m>", rstrip: true));
        Assert.Equal([Id('a'), 100, Id('b')], t.Encode("a<m>   b"));
    }

    [Fact]
    public void A_normalized_token_is_matched_in_the_normalized_text_and_a_raw_one_in_the_raw_text()
    {
        var t = TinyTokenizer.Load(TinyTokenizer.Json(Letters,
            normalizer: """{"type": "Lowercase"}""",
            addedTokens: $"[{TinyTokenizer.Added(100, "hello", special: false, normalized: true)}, {TinyTokenizer.Added(101, "BYE", normalized: false)}]"));
        Assert.Equal([100], t.Encode("HeLLo"));
        Assert.Equal([101, .. Ids("bye")], t.Encode("BYEbye"));
    }

    [Fact]
    public void Special_added_tokens_are_dropped_when_decoding_with_skip_special_tokens()
    {
        var t = Load(TinyTokenizer.Added(100, "<s>"), TinyTokenizer.Added(101, "<user>", special: false));
        int[] ids = t.Encode("<s>ab<user>c");
        Assert.Equal([100, Id('a'), Id('b'), 101, Id('c')], ids);
        Assert.True(t.IsSpecial(100));
        Assert.False(t.IsSpecial(101));
        Assert.Equal("<s> a b <user> c", t.Decode(ids));
        Assert.Equal("a b <user> c", t.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Added_tokens_take_part_in_id_lookups_and_the_vocabulary_size()
    {
        var t = Load(TinyTokenizer.Added(100, "<bos>"));
        Assert.Equal(101, t.VocabSize);
        Assert.Equal(100, t.TokenToId("<bos>"));
        Assert.Equal("<bos>", t.IdToToken(100));
        Assert.Null(t.IdToToken(99));
        Assert.Equal(100, t.BosTokenId);
    }

    private static LlmLab.Tokenization.Tokenizer Load(params string[] added) =>
        TinyTokenizer.Load(TinyTokenizer.Json(Letters, addedTokens: "[" + string.Join(", ", added) + "]"));
}
