using System.Text.Json;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Tokenization;

/// <summary>Hand-made tokenizer.json documents for tests of one behaviour at a time.</summary>
internal static class TinyTokenizer
{
    /// <summary>A tokenizer.json whose vocabulary is <paramref name="vocab"/> (ids in list order).</summary>
    /// <param name="vocab">Tokens, id = position.</param>
    /// <param name="merges">Merges as "a b" strings.</param>
    /// <param name="normalizer">JSON of the normalizer, or null.</param>
    /// <param name="preTokenizer">JSON of the pre-tokenizer, or null.</param>
    /// <param name="decoder">JSON of the decoder, or null.</param>
    /// <param name="postProcessor">JSON of the post-processor, or null.</param>
    /// <param name="addedTokens">JSON array of added tokens, or null.</param>
    /// <param name="model">Extra members of the model object, as JSON text starting with a comma.</param>
    public static string Json(
        IEnumerable<string> vocab,
        IEnumerable<string>? merges = null,
        string? normalizer = null,
        string? preTokenizer = null,
        string? decoder = null,
        string? postProcessor = null,
        string? addedTokens = null,
        string model = "")
    {
        var v = vocab.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        return $$"""
        {
          "version": "1.0",
          "added_tokens": {{addedTokens ?? "[]"}},
          "normalizer": {{normalizer ?? "null"}},
          "pre_tokenizer": {{preTokenizer ?? "null"}},
          "post_processor": {{postProcessor ?? "null"}},
          "decoder": {{decoder ?? "null"}},
          "model": {
            "type": "BPE",
            "vocab": {{JsonSerializer.Serialize(v)}},
            "merges": {{JsonSerializer.Serialize(merges ?? [])}}{{model}}
          }
        }
        """;
    }

    public static Tokenizer Load(string json) => Tokenizer.FromJson(json, "tiny.json");

    /// <summary>An added-token JSON object.</summary>
    public static string Added(int id, string content, bool special = true, bool singleWord = false, bool lstrip = false, bool rstrip = false, bool normalized = false) =>
        $$"""{"id": {{id}}, "content": {{JsonSerializer.Serialize(content)}}, "single_word": {{Bool(singleWord)}}, "lstrip": {{Bool(lstrip)}}, "rstrip": {{Bool(rstrip)}}, "normalized": {{Bool(normalized)}}, "special": {{Bool(special)}}}""";

    /// <summary>The byte-level characters of the 256 bytes, as vocabulary tokens 0..255.</summary>
    public static IEnumerable<string> ByteLevelAlphabetTokens() =>
        Enumerable.Range(0, 256).Select(b => ((char)ByteLevelChar(b)).ToString());

    /// <summary>GPT-2's character for byte <paramref name="b"/>.</summary>
    public static int ByteLevelChar(int b)
    {
        static bool Printable(int x) => x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        if (Printable(b)) return b;
        int n = 0;
        for (int x = 0; x < b; x++) if (!Printable(x)) n++;
        return 256 + n;
    }

    /// <summary>The 256 <c>&lt;0xNN&gt;</c> byte tokens.</summary>
    public static IEnumerable<string> ByteFallbackTokens() => Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>");

    private static string Bool(bool b) => b ? "true" : "false";
}
