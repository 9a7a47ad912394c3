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
    public void Gguf_tokenizer_gives_llama_cpps_ids_on_every_golden_text(string fixture)
    {
        var metadata = GgufVocabulary.Fixture(fixture, GgufVocabulary.VocabSize(fixture));
        foreach (var (k, v) in ModelKeys) metadata[k] = v;
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, $"{fixture}.gguf");
        try
        {
            GgufWriter.Write(path, metadata.ToList(), []);
            Tokenizer ours;
            using (var file = GgufFile.Open(path)) ours = GgufTokenizer.Read(file.Metadata, file.Path);
            using var theirs = LLamaWeights.LoadFromFile(new ModelParams(path) { VocabOnly = true });
            // llama.cpp read the file's vocabulary and agrees on whether a BOS is added (llama3: its llama-bpe default).
            int tokenCount = ((string[])metadata["tokenizer.ggml.tokens"].Value).Length;
            Assert.Equal((tokenCount, ours.BosTokenId is { } bos && ours.Encode("", addSpecialTokens: true).SequenceEqual([bos])),
                (theirs.Vocab.Count, theirs.Vocab.ShouldAddBOS));
            var mismatches = new List<string>();
            foreach (var c in TokenizerFixtures.Golden(fixture))
                foreach (bool addSpecial in new[] { false, true })
                {
                    int[] expected = theirs.Tokenize(c.Text, addSpecial, special: true, Encoding.UTF8).Select(t => (int)t).ToArray();
                    int[] actual = ours.Encode(c.Text, addSpecial);
                    if (!expected.SequenceEqual(actual))
                        mismatches.Add($"{JsonQuote(c.Text)} (add_special {addSpecial}): llama.cpp [{string.Join(", ", expected)}], LlmLab [{string.Join(", ", actual)}]");
                }
            Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string JsonQuote(string s) => System.Text.Json.JsonSerializer.Serialize(s.Length > 40 ? s[..40] : s);
}
