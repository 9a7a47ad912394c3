using System.Text.Json.Nodes;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>
/// The sp32k vocabulary rewired the way newer Llama-2/Mistral exports are written (Metaspace
/// pre-tokenizer instead of a Prepend+Replace normalizer; a Sequence post-processor).
/// </summary>
public sealed class SentencePieceVariantTests
{
    [Fact]
    public void A_metaspace_pre_tokenizer_that_prepends_first_encodes_like_the_legacy_normalizer()
    {
        var t = Variant(j =>
        {
            j["normalizer"] = null;
            j["pre_tokenizer"] = JsonNode.Parse("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}""");
        });
        // Identical except where an added token sits in the text (the legacy normalizer prepends ▁
        // to every stretch between added tokens, "first" only at the start of the text) and where
        // the text starts with a space (the legacy normalizer still prepends, Metaspace sees that
        // the text already starts with ▁).
        foreach (var c in TokenizerFixtures.Golden("sp32k").Where(c => !c.Text.Contains("<s>") && !c.Text.StartsWith(' ')))
        {
            Assert.Equal(c.Ids, t.Encode(c.Text));
        }
        var legacy = TokenizerFixtures.Load("sp32k");
        int bos = 1, space = legacy.TokenToId("▁")!.Value;
        // Legacy: <s> ▁[ INST ] ; Metaspace "first": <s> [ INST ]
        Assert.Equal([bos, legacy.TokenToId("▁[")!.Value, .. legacy.Encode("[INST]")[1..]], legacy.Encode("<s>[INST]"));
        Assert.Equal([bos, legacy.TokenToId("[")!.Value, .. legacy.Encode("[INST]")[1..]], t.Encode("<s>[INST]"));
        Assert.Equal([space, .. t.Encode(" leading")], legacy.Encode(" leading"));
        Assert.Equal(legacy.Encode("[INST]"), t.Encode("[INST]"));
    }

    [Fact]
    public void A_sequence_post_processor_adds_the_bos_of_its_template()
    {
        var t = Variant(j => j["post_processor"] = JsonNode.Parse("""
            {"type": "Sequence", "processors": [
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
              {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
               "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}]}
            """));
        int[] plain = t.Encode("Hello");
        Assert.Equal([1, .. plain, 2], t.Encode("Hello", addSpecialTokens: true));
        Assert.Equal(1, t.BosTokenId);
    }

    [Fact]
    public void Cutting_the_text_at_word_starts_gives_the_ids_of_one_whole_text_merge()
    {
        // sp32k has no pre-tokenizer, so BPE runs over the whole text; LlmLab cuts it before each
        // "▁" because no token spans one. An extra token "a▁b" (never produced by a merge, so the
        // ids cannot change) switches the cut off: both must agree on the held-out Brown text.
        var cut = TokenizerFixtures.Load("sp32k");
        var whole = Variant(j => j["model"]!["vocab"]!["a▁b"] = 32000);
        string text = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "data", "text", "brown-heldout.txt"))[..40_000] + " 😀 ünï  \t x";
        Assert.Equal(whole.Encode(text), cut.Encode(text));
    }

    private static Tokenizer Variant(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(File.ReadAllText(TokenizerFixtures.JsonPath("sp32k")))!.AsObject();
        change(root);
        return Tokenizer.FromJson(root.ToJsonString(), "sp32k-variant.json");
    }
}
