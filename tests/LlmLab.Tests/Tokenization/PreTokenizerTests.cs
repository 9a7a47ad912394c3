using System.Text.Json;
using LlmLab.Tokenization;
using LlmLab.Formats;

namespace LlmLab.Tests.Tokenization;

/// <summary>Pre-tokenizers cut text into the pieces tokenizers' would (examples from its documentation and source).</summary>
public sealed class PreTokenizerTests
{
    private const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [Theory]
    [InlineData("Removed", new[] { "the", "final", "countdown" })]
    [InlineData("Isolated", new[] { "the", "-", "final", "-", "-", "countdown" })]
    [InlineData("MergedWithPrevious", new[] { "the-", "final-", "-", "countdown" })]
    [InlineData("MergedWithNext", new[] { "the", "-final", "-", "-countdown" })]
    [InlineData("Contiguous", new[] { "the", "-", "final", "--", "countdown" })]
    public void Split_behaviors_cut_as_tokenizers_documents(string behavior, string[] expected)
    {
        string json = $$"""{"type": "Split", "pattern": {"String": "-"}, "behavior": "{{behavior}}", "invert": false}""";
        Assert.Equal(expected, Pieces(json, "the-final--countdown"));
    }

    [Fact]
    public void An_inverted_split_treats_the_gaps_as_delimiters()
    {
        string json = """{"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Removed", "invert": true}""";
        Assert.Equal(["12", "3"], Pieces(json, "ab12cd3"));
    }

    [Fact]
    public void The_llama3_regex_keeps_a_letter_outside_the_bmp_inside_its_word()
    {
        // U+1D400 MATHEMATICAL BOLD CAPITAL A is a letter (Lu); .NET sees two surrogates, Oniguruma one letter.
        Assert.Equal(["a\U0001D400b", " c"], Pieces(SplitJson(Llama3Pattern), "a\U0001D400b c"));
    }

    [Fact]
    public void The_llama3_regex_counts_digits_outside_the_bmp_as_one_each()
    {
        // U+1D7CF.. MATHEMATICAL BOLD DIGIT ONE.. (Nd): at most three per piece.
        Assert.Equal(["\U0001D7CF\U0001D7D0\U0001D7D1", "\U0001D7D2"], Pieces(SplitJson(Llama3Pattern), "\U0001D7CF\U0001D7D0\U0001D7D1\U0001D7D2"));
    }

    [Fact]
    public void The_llama3_regex_splits_contractions_case_insensitively()
    {
        Assert.Equal(["It", "'S", " ok"], Pieces(SplitJson(Llama3Pattern), "It'S ok"));
    }

    [Fact]
    public void Metaspace_replaces_spaces_and_cuts_before_each_one()
    {
        string json = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}""";
        Assert.Equal(["▁Hey", "▁friend!"], Pieces(json, "Hey friend!"));
        Assert.Equal(["▁Hey", "▁", "▁", "▁friend!"], Pieces(json, "Hey   friend!"));
    }

    [Fact]
    public void Metaspace_prepend_first_only_prepends_at_the_start_of_the_text()
    {
        string json = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}""";
        Assert.Equal(["▁Hey▁"], Pieces(json, "Hey ", atTextStart: true));
        Assert.Equal(["how"], Pieces(json, "how", atTextStart: false));
    }

    [Fact]
    public void Metaspace_prepend_never_and_the_legacy_add_prefix_space_false_agree()
    {
        string never = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": true}""";
        string legacy = """{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false}""";
        Assert.Equal(["Hey", "▁friend"], Pieces(never, "Hey friend"));
        Assert.Equal(["Hey", "▁friend"], Pieces(legacy, "Hey friend"));
    }

    [Fact]
    public void Byte_level_with_prefix_space_and_gpt2_regex_maps_spaces_to_G_dot()
    {
        string json = """{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}""";
        Assert.Equal(["Ġhello", "Ġworld", "'s", "Ċ"], Pieces(json, "hello world's\n"));
    }

    [Fact]
    public void Byte_level_without_regex_maps_the_whole_piece_to_byte_characters()
    {
        string json = """{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}""";
        // é is C3 A9: the characters of those two bytes are Ã and ©.
        Assert.Equal(["hÃ©Ġ"], Pieces(json, "hé "));
    }

    [Fact]
    public void Digits_split_each_digit_or_each_run()
    {
        Assert.Equal(["a", "1", "2", "3", "b"], Pieces("""{"type": "Digits", "individual_digits": true}""", "a123b"));
        Assert.Equal(["a", "123", "b"], Pieces("""{"type": "Digits", "individual_digits": false}""", "a123b"));
    }

    [Fact]
    public void Whitespace_splits_words_from_punctuation_and_drops_spaces()
    {
        Assert.Equal(["Hello", ",", "world", "!"], Pieces("""{"type": "Whitespace"}""", "Hello, world!"));
        Assert.Equal(["Hello,", "world!"], Pieces("""{"type": "WhitespaceSplit"}""", "Hello,  world!"));
    }

    [Fact]
    public void A_sequence_runs_each_step_over_the_pieces_of_the_previous_one()
    {
        string json = """{"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Digits", "individual_digits": true}]}""";
        Assert.Equal(["a", "1", "b", "2", "3"], Pieces(json, "a1 b23"));
    }

    [Theory]
    [InlineData("a++b", "(?>a+)b")]
    [InlineData("[a-z]*+x", "(?>[a-z]*)x")]
    [InlineData("(ab)?+", "(?>(ab)?)")]
    [InlineData(@"\p{L}++", @"(?>\p{L}+)")]
    [InlineData("a{2,3}+", "(?>a{2,3})")]
    [InlineData("a+?b", "a+?b")]
    [InlineData(@"\x{41}\h", @"\u0041[0-9a-fA-F]")]
    [InlineData(@"[\h_]", @"[0-9a-fA-F_]")]
    [InlineData(@"\p{^L}", @"\P{L}")]
    [InlineData(@"(?i:'s|'t)|\s+(?!\S)", @"(?i:'s|'t)|\s+(?!\S)")]
    public void Oniguruma_constructs_are_translated_to_dotnet(string oniguruma, string dotnet)
    {
        Assert.Equal(dotnet, OnigurumaTranslator.ToDotNet(oniguruma));
    }

    private static string SplitJson(string regex) =>
        $$"""{"type": "Split", "pattern": {"Regex": {{JsonSerializer.Serialize(regex)}}}, "behavior": "Isolated", "invert": false}""";

    /// <summary>The pieces a pre-tokenizer makes of <paramref name="text"/>, byte-level ones written out.</summary>
    private static string[] Pieces(string preTokenizerJson, string text, bool atTextStart = true)
    {
        using var doc = JsonDocument.Parse(preTokenizerJson);
        var preTokenizer = PreTokenizer.FromJson(new JsonField(doc.RootElement, "pre_tokenizer", "test.json"), TimeSpan.FromSeconds(2));
        var output = new PieceList();
        preTokenizer.Split(new TextPiece(text, 0, text.Length, atTextStart, ByteLevel: false), output);
        return output.Select(p => p.Materialized().ToString()).ToArray();
    }
}
