using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>Every golden case of the three fixture tokenizers, against HF tokenizers' output.</summary>
public sealed class GoldenTests
{
    public static TheoryData<string, int> Cases => TokenizerFixtures.AllCases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_without_special_tokens_gives_the_ids_of_hugging_face(string tokenizer, int index)
    {
        var c = TokenizerFixtures.Golden(tokenizer)[index];
        Assert.Equal(c.Ids, TokenizerFixtures.Load(tokenizer).Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_with_special_tokens_gives_the_ids_of_hugging_face(string tokenizer, int index)
    {
        var c = TokenizerFixtures.Golden(tokenizer)[index];
        Assert.Equal(c.IdsWithSpecial, TokenizerFixtures.Load(tokenizer).Encode(c.Text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_gives_the_text_of_hugging_face(string tokenizer, int index)
    {
        var c = TokenizerFixtures.Golden(tokenizer)[index];
        Assert.Equal(c.Decoded, TokenizerFixtures.Load(tokenizer).Decode(c.Ids));
    }
}
