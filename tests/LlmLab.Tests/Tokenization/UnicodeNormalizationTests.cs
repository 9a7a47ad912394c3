using System.Text;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>LlmLab's own normalization tables (checked against CPython's unicodedata 14.0 for every decomposable character when generated).</summary>
public sealed class UnicodeNormalizationTests
{
    [Theory]
    [InlineData("cafe\u0301", "caf\u00E9")]                 // e + combining acute composes
    [InlineData("\u212B", "\u00C5")]                        // ANGSTROM SIGN is a singleton → Å
    [InlineData("a\u0301\u0323", "\u1EA1\u0301")]           // marks reordered by class, dot below composes first
    [InlineData("\u1112\u1161\u11AB", "\uD55C")]            // Hangul jamo compose to 한
    [InlineData("\u0915\u093C", "\u0915\u093C")]            // DEVANAGARI KA + NUKTA: a composition exclusion stays apart
    [InlineData("plain ASCII", "plain ASCII")]
    public void Nfc_composes_as_unicode_specifies(string input, string expected)
    {
        Assert.Equal(expected, UnicodeNormalization.Normalize(input, NormalizationForm.FormC));
    }

    [Fact]
    public void Nfd_decomposes_precomposed_letters_and_hangul_syllables()
    {
        Assert.Equal("e\u0301", UnicodeNormalization.Normalize("\u00E9", NormalizationForm.FormD));
        Assert.Equal("\u1112\u1161\u11AB", UnicodeNormalization.Normalize("\uD55C", NormalizationForm.FormD));
    }

    [Fact]
    public void Nfkc_folds_compatibility_characters()
    {
        Assert.Equal("fi 2 A", UnicodeNormalization.Normalize("\uFB01\u00A0\u00B2 \uFF21", NormalizationForm.FormKC));
        Assert.Equal(" \u0308\u0301", UnicodeNormalization.Normalize("\u0385", NormalizationForm.FormKD));
    }

    [Fact]
    public void Letters_outside_the_bmp_and_lone_surrogates_pass_through()
    {
        const string text = "\U0001D400x\uD800y";
        Assert.Equal(text, UnicodeNormalization.Normalize(text + "", NormalizationForm.FormC));
        Assert.Equal("\U0001D400\u0301", UnicodeNormalization.Normalize("\U0001D400\u0301", NormalizationForm.FormC));
    }

    [Fact]
    public void The_qwen3_tokenizer_encodes_decomposed_text_like_precomposed_text()
    {
        // Qwen's normalizer is NFC; .NET's own Normalize does nothing under InvariantGlobalization.
        var t = TokenizerFixtures.Load("qwen3");
        Assert.Equal(t.Encode("caf\u00E9 na\u00EFve"), t.Encode("cafe\u0301 nai\u0308ve"));
    }
}
