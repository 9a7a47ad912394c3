using System.Text;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>TokenStreamDecoder: streamed text must equal the full decode, chunk boundaries at whole characters.</summary>
public sealed class StreamDecoderTests
{
    public static TheoryData<string, int> Cases => TokenizerFixtures.AllCases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streaming_a_golden_case_gives_its_full_decode_in_whole_characters(string tokenizer, int index)
    {
        var t = TokenizerFixtures.Load(tokenizer);
        var c = TokenizerFixtures.Golden(tokenizer)[index];
        foreach (int[] ids in new[] { c.Ids, c.IdsWithSpecial })
        {
            var chunks = Stream(t.CreateStreamDecoder(), ids);
            Assert.Equal(t.Decode(ids), string.Concat(chunks));
            // The golden texts are valid Unicode: no chunk may hold a replacement character or half a surrogate pair.
            Assert.All(chunks, chunk => Assert.False(chunk.Contains('\uFFFD') || EndsInHighSurrogate(chunk), $"chunk {JsonQuote(chunk)}"));
        }
    }

    [Theory]
    [InlineData("llama3")]
    [InlineData("qwen3")]
    [InlineData("sp32k")]
    public void Streaming_random_ids_gives_the_full_decode(string tokenizer)
    {
        // Random ids make split UTF-8 characters, broken byte runs, lone spaces and special tokens.
        var t = TokenizerFixtures.Load(tokenizer);
        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            int[] ids = RandomIds(t, random, random.Next(1, 24));
            Assert.Equal(t.Decode(ids), string.Concat(Stream(t.CreateStreamDecoder(), ids)));
            Assert.Equal(t.Decode(ids, skipSpecialTokens: true), string.Concat(Stream(t.CreateStreamDecoder(skipSpecialTokens: true), ids)));
        }
    }

    [Fact]
    public void A_character_spread_over_byte_fallback_tokens_appears_once_complete()
    {
        var t = TokenizerFixtures.Load("sp32k");
        var decoder = t.CreateStreamDecoder();
        int[] emoji = Encoding.UTF8.GetBytes("😀").Select(b => t.TokenToId($"<0x{b:X2}>")!.Value).ToArray();
        Assert.Equal("Hello", decoder.Append(t.TokenToId("▁Hello")!.Value));
        foreach (int id in emoji) Assert.Equal("", decoder.Append(id));
        Assert.Equal("😀 there", decoder.Append(t.TokenToId("▁there")!.Value));
        Assert.Equal("Hello😀 there", t.Decode([t.TokenToId("▁Hello")!.Value, .. emoji, t.TokenToId("▁there")!.Value]));
    }

    [Fact]
    public void A_character_split_across_byte_level_tokens_appears_once_complete()
    {
        var t = TokenizerFixtures.Load("llama3");
        // "显" is E6 98 BE: feed it as three single-byte tokens.
        int[] ids = Encoding.UTF8.GetBytes("显").Select(b => t.TokenToId(((char)TinyTokenizer.ByteLevelChar(b)).ToString())!.Value).ToArray();
        var decoder = t.CreateStreamDecoder();
        Assert.Equal("", decoder.Append(ids[0]));
        Assert.Equal("", decoder.Append(ids[1]));
        Assert.Equal("显", decoder.Append(ids[2]));
    }

    [Fact]
    public void Only_the_first_sentencepiece_token_loses_its_leading_space()
    {
        var t = TokenizerFixtures.Load("sp32k");
        int[] ids = t.Encode("Hello world again");
        var chunks = Stream(t.CreateStreamDecoder(), ids);
        Assert.Equal("Hello", chunks[0]);
        Assert.Equal(" world", chunks[1]);
        Assert.Equal(" again", chunks[2]);
    }

    [Fact]
    public void A_leading_lone_space_token_is_held_until_the_text_start_is_settled()
    {
        // " " encodes to "▁▁" style tokens whose first space the decoder strips: the stream must
        // not emit "" for the first and then strip again from the second.
        var t = TokenizerFixtures.Load("sp32k");
        int[] ids = t.Encode("  x");
        Assert.Equal(t.Decode(ids), string.Concat(Stream(t.CreateStreamDecoder(), ids)));
    }

    [Fact]
    public void Flush_returns_held_back_text_and_starts_a_new_text()
    {
        var t = TokenizerFixtures.Load("llama3");
        int first = t.TokenToId(((char)TinyTokenizer.ByteLevelChar(0xE6)).ToString())!.Value;
        var decoder = t.CreateStreamDecoder();
        Assert.Equal("", decoder.Append(first));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("Hello", decoder.Append(t.Encode("Hello")[0]));
    }

    private static List<string> Stream(TokenStreamDecoder decoder, int[] ids)
    {
        var chunks = new List<string>();
        foreach (int id in ids)
        {
            string s = decoder.Append(id);
            if (s.Length > 0) chunks.Add(s);
        }
        string rest = decoder.Flush();
        if (rest.Length > 0) chunks.Add(rest);
        return chunks;
    }

    private static int[] RandomIds(Tokenizer t, Random random, int count)
    {
        var ids = new int[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = random.Next(4) switch
            {
                0 => random.Next(0, Math.Min(t.VocabSize, 300)),   // bytes, byte tokens, short pieces
                1 => random.Next(t.VocabSize - 300, t.VocabSize),  // added/special tokens at the top
                _ => random.Next(0, t.VocabSize),
            };
        }
        return ids;
    }

    private static bool EndsInHighSurrogate(string s) => s.Length > 0 && char.IsHighSurrogate(s[^1]);

    private static string JsonQuote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
