using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace LlmLab.Tokenizers.Interop.Tests;

public sealed class MlNetTokenizerTests
{
    private static string BrownText => File.ReadAllText(Path.Combine(TestSupport.RepositoryPaths.Root, "data", "text", "brown-heldout.txt"));

    private static MlNetTokenizer Llama3 { get; } = MlNetTokenizer.FromFile(ReferenceBpe.FixturePath("llama3"));

    [Theory]
    [InlineData("llama3", 37_791)]
    [InlineData("qwen3", 37_984)]
    public void The_ids_of_the_whole_brown_text_equal_ml_tokenizers_own_bpe_built_from_the_same_tokenizer_json(string name, int expectedCount)
    {
        var text = BrownText;
        Tokenizer ours = MlNetTokenizer.FromFile(ReferenceBpe.FixturePath(name));
        Tokenizer reference = ReferenceBpe.Load(ReferenceBpe.FixturePath(name));

        var ourIds = ours.EncodeToIds(text);
        var referenceIds = reference.EncodeToIds(text);

        Assert.Equal(expectedCount, referenceIds.Count);
        Assert.Equal(referenceIds, ourIds);
    }

    [Fact]
    public void Decoding_through_the_ml_net_api_gives_the_text_back()
    {
        Tokenizer tokenizer = Llama3;
        const string text = "The jury said, “Hello wörld” 😀 — 3.14!";

        Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeToIds(text)));
    }

    [Fact]
    public void Token_offsets_cover_the_input_and_a_split_character_belongs_to_the_token_that_completes_it()
    {
        Tokenizer tokenizer = Llama3;
        const string text = "a 😀 b";

        var tokens = tokenizer.EncodeToTokens(text, out var normalized);

        Assert.Null(normalized);
        Assert.Equal(text, string.Concat(tokens.Select(t => text[t.Offset])));
        Assert.Contains(tokens, t => text[t.Offset] == " 😀" || text[t.Offset] == "😀");
    }

    [Fact]
    public void Token_counts_and_a_token_budget_follow_the_ids()
    {
        Tokenizer tokenizer = Llama3;
        var text = BrownText[..2_000];
        var ids = tokenizer.EncodeToIds(text);

        var truncated = tokenizer.EncodeToIds(text, 10, out var normalized, out var consumed);

        Assert.Equal(ids.Count, tokenizer.CountTokens(text));
        Assert.Equal(ids.Take(10), truncated);
        Assert.Null(normalized);
        Assert.Equal(tokenizer.Decode(ids.Take(10)), text[..consumed]);
    }

    [Fact]
    public void The_special_tokens_option_lets_the_template_add_its_bos_and_offsets_then_index_the_decoded_text()
    {
        // sp32k: a SentencePiece-style BPE whose TemplateProcessing puts <s> first (tests/fixtures/PROVENANCE.md).
        var path = Path.Combine(TestSupport.RepositoryPaths.Root, "tests", "fixtures", "tokenizers", "sp32k", "tokenizer.json");
        Tokenizer withBos = MlNetTokenizer.FromFile(path, addSpecialTokens: true);

        var tokens = withBos.EncodeToTokens("Hello world", out var normalized);

        Assert.Equal("<s>", tokens[0].Value);
        Assert.Equal(withBos.Decode(tokens.Select(t => t.Id)), normalized);
        Assert.EndsWith("Hello world", normalized);
    }

    [Fact]
    public void Decoding_into_a_short_buffer_stops_at_a_token_boundary_and_says_so()
    {
        Tokenizer tokenizer = Llama3;
        var ids = tokenizer.EncodeToIds("The jury said it was fine.");
        var buffer = new char[8];

        var status = tokenizer.Decode(ids, buffer, out var idsConsumed, out var written);

        Assert.Equal(OperationStatus.DestinationTooSmall, status);
        Assert.Equal(tokenizer.Decode(ids.Take(idsConsumed)), new string(buffer, 0, written));
    }
}
