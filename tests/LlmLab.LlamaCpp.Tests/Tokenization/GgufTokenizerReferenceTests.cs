using System.Text;
using LLama;
using LLama.Common;
using LlmLab.Formats;
using LlmLab.Tests;
using LlmLab.Tests.Tokenization;
using LlmLab.Tokenization;

namespace LlmLab.LlamaCpp.Tests.Tokenization;

/// <summary>
/// <see cref="GgufTokenizer"/> against llama.cpp's own tokenizer (llama_tokenize in LLamaSharp.Backend.Cpu 0.30.0's
/// libllama.so, the vocabulary loaded with vocab_only) on the same GGUF files: the fixture tokenizers converted as
/// convert_hf_to_gguf.py would (no add_bos_token key for llama3, so llama.cpp's llama-bpe default applies).
/// Special tokens are parsed (parse_special), as tokenizers always matches added tokens.
/// </summary>
public sealed class GgufTokenizerReferenceTests
{
    public static TheoryData<string> Fixture => new(TokenizerFixtures.Names);

    /// <summary>Hyperparameters llama.cpp reads before the vocabulary even when it loads only the vocabulary.</summary>
    private static readonly Dictionary<string, GgufValue> ModelKeys = new()
    {
        ["general.architecture"] = new(GgufValueType.String, "llama"),
        ["llama.block_count"] = new(GgufValueType.UInt32, 1u),
        ["llama.context_length"] = new(GgufValueType.UInt32, 256u),
        ["llama.embedding_length"] = new(GgufValueType.UInt32, 64u),
        ["llama.feed_forward_length"] = new(GgufValueType.UInt32, 128u),
        ["llama.attention.head_count"] = new(GgufValueType.UInt32, 4u),
        ["llama.attention.layer_norm_rms_epsilon"] = new(GgufValueType.Float32, 1e-5f),
    };

    [Theory]
    [MemberData(nameof(Fixture))]
    public void Gguf_tokenizer_gives_llama_cpps_ids_on_every_golden_text(string fixture) => WithBothTokenizers(fixture, (ours, theirs, tokenCount) =>
    {
        // llama.cpp read the file's vocabulary and agrees on whether a BOS is added (llama3: its llama-bpe default).
        Assert.Equal((tokenCount, ours.BosTokenId is { } bos && ours.Encode("", addSpecialTokens: true).SequenceEqual([bos])),
            (theirs.Vocab.Count, theirs.Vocab.ShouldAddBOS));
        var mismatches = new List<string>();
        foreach (var c in TokenizerFixtures.Golden(fixture))
            foreach (bool addSpecial in new[] { false, true })
            {
                int[] expected = Tokenize(theirs, c.Text, addSpecial);
                int[] actual = ours.Encode(c.Text, addSpecial);
                if (!expected.SequenceEqual(actual))
                    mismatches.Add($"{JsonQuote(c.Text)} (add_special {addSpecial}): llama.cpp [{string.Join(", ", expected)}], LlmLab [{string.Join(", ", actual)}]");
            }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    });

    /// <summary>Writes the fixture's GGUF file and runs <paramref name="check"/> on LlmLab's and llama.cpp's tokenizers of it.</summary>
    private static void WithBothTokenizers(string fixture, Action<Tokenizer, LLamaWeights, int> check)
    {
        var metadata = GgufVocabulary.For(fixture);
        foreach (var (k, v) in ModelKeys) metadata[k] = v;
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, $"{fixture}.gguf");
        try
        {
            GgufWriter.Write(path, metadata.ToList(), []);
            Tokenizer ours;
            using (var file = GgufFile.Open(path)) ours = GgufTokenizer.Read(file.Metadata, file.Path);
            using var theirs = LLamaWeights.LoadFromFile(new ModelParams(path) { VocabOnly = true });
            check(ours, theirs, ((string[])metadata["tokenizer.ggml.tokens"].Value).Length);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>llama_tokenize with special tokens parsed, as tokenizers always matches added tokens.</summary>
    private static int[] Tokenize(LLamaWeights weights, string text, bool addSpecial) =>
        weights.Tokenize(text, addSpecial, special: true, Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary>Pieces random texts are made of: words, digits, punctuation, runs of spaces, CJK, emoji, accents, special tokens.</summary>
    private static readonly string[] Pieces =
    [
        "the", "The", " quick", "fox", "'s", "'LL", "don't", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " ", "0", "12", "345", "6789",
        ".", ",", "!?", "...", "--", "(", ")", "{}", "<", ">", "/", "_", "=", "+", "#", "@", "\u00e9", "e\u0301", "na\u00efve",
        "\u00fc", "\u4e2d\u6587", "\u6a21\u578b", "\u65e5\u672c\u8a9e", "\ud55c\uad6d", "\U0001F600", "\U0001F1E8\U0001F1F3", "\u2581",
        "\u00a0", "\u200b", "\u2014", "\u201c", "<s>", "</s>", "<|begin_of_text|>", "<|im_start|>", "<|endoftext|>", "aaaa", "ing", "tion",
    ];

    /// <summary>Random concatenations of <see cref="Pieces"/>; fixed seed, so a failure reproduces.</summary>
    private static IEnumerable<string> RandomTexts(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var sb = new StringBuilder();
            for (int n = random.Next(1, 12); n > 0; n--) sb.Append(Pieces[random.Next(Pieces.Length)]);
            yield return sb.ToString();
        }
    }

    [Theory]
    [MemberData(nameof(Fixture))]
    public void Gguf_tokenizer_gives_llama_cpps_ids_on_random_texts(string fixture) => WithBothTokenizers(fixture, (ours, theirs, _) =>
    {
        var mismatches = new List<string>();
        var nfc = new UnicodeFormNormalizer(NormalizationForm.FormC); // LlmLab's own tables: string.Normalize is a no-op in invariant mode
        int compared = 0;
        foreach (string text in RandomTexts(500, seed: 20261207))
        {
            // Qwen's tokenizer.json NFC-normalizes and llama.cpp does not; compare on NFC text, where both agree.
            string t = fixture == "qwen3" ? nfc.Normalize(text) : text;
            // Qwen's vocabulary holds "</s>" as a normal token; llama.cpp promotes it to control by its spelling
            // (llama-vocab.cpp's end-of-generation list) and matches it whole, which tokenizers does not.
            if (fixture == "qwen3" && t.Contains("</s>", StringComparison.Ordinal)) continue;
            compared++;
            int[] expected = Tokenize(theirs, t, addSpecial: true);
            int[] actual = ours.Encode(t, addSpecialTokens: true);
            if (!expected.SequenceEqual(actual))
                mismatches.Add($"{JsonQuote(t)}: llama.cpp [{string.Join(", ", expected)}], LlmLab [{string.Join(", ", actual)}]");
        }
        Assert.True(compared > 400, $"only {compared} texts compared");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} differ:\n" + string.Join("\n", mismatches.Take(10)));
    });

    private static string JsonQuote(string s) => System.Text.Json.JsonSerializer.Serialize(s.Length > 80 ? s[..80] : s);
}
