using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Models.Architectures;
using LlmLab.Tests.Tokenization;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Models;

/// <summary>
/// Config and tokenizer read from real GGUF files (written by <see cref="GgufWriter"/>, read by <see cref="GgufFile"/>),
/// so the metadata arrives in the value representations the reader produces rather than hand-made ones.
/// </summary>
public sealed class GgufRoundTripTests
{
    [Fact]
    public void Llama_tiny_converted_to_a_gguf_file_reads_back_to_its_hugging_face_config()
    {
        var hf = ModelConfigReader.Read(Fixtures.Model("llama-tiny"));
        string path = Path.Combine(Fixtures.TempDir(), "llama-tiny.gguf");
        GgufConversion.WriteLlamaTinyGguf(path);
        try
        {
            using var file = GgufFile.Open(path);
            var config = GgufModelConfig.Read(file.Metadata, file);
            Assert.Equal(hf with { Rope = config.Rope, DeclaredDType = null, EosTokenIds = config.EosTokenIds }, config);
            Assert.True(config.Rope.Interleaved);
            Assert.Equal(GgufConversion.Llama3Factors(hf.Rope, hf.HeadDim), config.Rope.FrequencyFactors);
            foreach (var (name, shape) in ModelWeights.ExpectedTensors(config, GgufTensorNames.Decoder))
                Assert.Equal(shape, file.Describe(name).Shape);
            var tokenizer = GgufTokenizer.Read(file.Metadata, file.Path);
            Assert.Equal((512, 1), (tokenizer.VocabSize, tokenizer.BosTokenId));
            Assert.Equal([1, 2], tokenizer.Encode("<s></s>"));
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
    }

    public static TheoryData<string> Fixture => new(TokenizerFixtures.Names);

    [Theory]
    [MemberData(nameof(Fixture))]
    public void Fixture_tokenizers_written_to_gguf_files_encode_every_golden_case_like_hugging_face(string fixture)
    {
        var metadata = GgufVocabulary.For(fixture);
        // As in GgufTokenizerTests: this llama3 tokenizer.json adds no BOS, so the file says so.
        if (fixture == "llama3") metadata["tokenizer.ggml.add_bos_token"] = GgufVocabulary.Bool(false);
        string path = Path.Combine(Fixtures.TempDir(), $"{fixture}.gguf");
        GgufWriter.Write(path, metadata.ToList(), []);
        Tokenizer tokenizer;
        using (var file = GgufFile.Open(path)) tokenizer = GgufTokenizer.Read(file.Metadata, file.Path);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        foreach (var c in TokenizerFixtures.Golden(fixture))
        {
            Assert.Equal(c.Ids, tokenizer.Encode(c.Text));
            Assert.Equal(c.IdsWithSpecial, tokenizer.Encode(c.Text, addSpecialTokens: true));
            Assert.Equal(c.Decoded, tokenizer.Decode(c.Ids));
        }
    }
}
