using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LlmLab.Tokenizers.Interop.Tests;

/// <summary>
/// Microsoft.ML.Tokenizers' own byte-level <see cref="BpeTokenizer"/>, built from the vocabulary, merges and split
/// regex of a Hugging Face <c>tokenizer.json</c> (ML.Tokenizers has no loader for that file, so this reads the fields
/// itself) — an implementation independent of LlmLab's to compare ids with.
/// </summary>
internal static class ReferenceBpe
{
    /// <summary>tests/fixtures/tokenizers/NAME/tokenizer.json.gz (provenance: tests/fixtures/PROVENANCE.md).</summary>
    public static string FixturePath(string name) =>
        Path.Combine(TestSupport.RepositoryPaths.Root, "tests", "fixtures", "tokenizers", name, "tokenizer.json.gz");

    public static string ReadJson(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The BPE of a byte-level tokenizer.json: <c>model.vocab</c>, <c>model.merges</c> (either "a b" strings or
    /// ["a", "b"] pairs), the pre-tokenizer's Split regex, and NFC normalisation when the file asks for it.
    /// </summary>
    public static BpeTokenizer Load(string path)
    {
        var root = JsonNode.Parse(ReadJson(path))!;
        var model = root["model"]!;
        var vocab = model["vocab"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, (int)p.Value!)).ToArray();
        var merges = model["merges"]!.AsArray().Select(m => m is JsonArray pair ? $"{(string)pair[0]!} {(string)pair[1]!}" : (string)m!).ToArray();
        var split = root["pre_tokenizer"]!["pretokenizers"]!.AsArray().Single(p => (string?)p!["type"] == "Split")!;
        var pattern = (string)split["pattern"]!["Regex"]!;
        return BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), null),
            Normalizer = (string?)root["normalizer"]?["type"] == "NFC" ? new NfcNormalizer() : null,
        });
    }

    /// <summary>Unicode NFC, as HF's <c>NFC</c> normalizer (ML.Tokenizers ships none).</summary>
    private sealed class NfcNormalizer : Normalizer
    {
        public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);

        public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
    }
}
