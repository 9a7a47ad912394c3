using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Models.Architectures;
using LlmLab.Tensors;
using LlmLab.Tests.Tokenization;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Models;

/// <summary>
/// Config and tokenizer read from real GGUF files (written by <see cref="GgufWriter"/>, read by <see cref="GgufFile"/>),
/// so the metadata arrives in the value representations the reader produces rather than hand-made ones.
/// </summary>
public sealed class GgufRoundTripTests
{
    /// <summary>HF → GGUF tensor names (convert_hf_to_gguf.py's tensor map for llama).</summary>
    private static string GgufName(string hf)
    {
        var names = new TensorNames();
        if (hf == names.Embedding) return GgufTensorNames.Decoder.Embedding;
        if (hf == names.FinalNorm) return GgufTensorNames.Decoder.FinalNorm;
        if (hf == names.OutputHead) return GgufTensorNames.Decoder.OutputHead;
        string[] parts = hf.Split('.'); // model.layers.{l}.<rest>
        string rest = string.Join('.', parts[3..]);
        string pattern = typeof(TensorNames).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && (string)p.GetValue(names)! == $"model.layers.{{0}}.{rest}")
            .Select(p => (string)p.GetValue(GgufTensorNames.Decoder)!).Single();
        return TensorNames.Layer(pattern, int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Llama_tiny_written_with_gguf_names_and_keys_reads_back_to_its_hugging_face_config()
    {
        string dir = Fixtures.Model("llama-tiny");
        var hf = ModelConfigReader.Read(dir);
        float[] factors = GgufModelConfigTests.ConvertLlama3Factors(hf.Rope, hf.HeadDim);
        var tensors = new List<GgufTensorToWrite> { GgufTensorToWrite.FromFloats(GgufTensorNames.RopeFrequencies, [factors.Length], factors) };
        using (var st = SafetensorsFile.Open(Path.Combine(dir, SafetensorsCheckpoint.SingleFileName)))
            foreach (string name in st.Names)
            {
                var t = st.Tensor(name);
                tensors.Add(GgufTensorToWrite.FromFloats(GgufName(name), t.Shape, t.As<float>().ToArray()));
            }
        var metadata = GgufModelConfigTests.LlamaMetadata().ToList();
        string path = Path.Combine(Fixtures.TempDir(), "llama-tiny.gguf");
        GgufWriter.Write(path, metadata, tensors);

        using var file = GgufFile.Open(path);
        var config = GgufModelConfig.Read(file.Metadata, file);
        Assert.Equal(hf with { Rope = config.Rope, DeclaredDType = null, EosTokenIds = config.EosTokenIds }, config);
        Assert.True(config.Rope.Interleaved);
        Assert.Equal(factors, config.Rope.FrequencyFactors);
        foreach (var (name, shape) in ModelWeights.ExpectedTensors(config, GgufTensorNames.Decoder))
            Assert.Equal(shape, file.Describe(name).Shape);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    public static TheoryData<string> Fixture => new(TokenizerFixtures.Names);

    [Theory]
    [MemberData(nameof(Fixture))]
    public void Fixture_tokenizers_written_to_gguf_files_encode_every_golden_case_like_hugging_face(string fixture)
    {
        var metadata = fixture switch
        {
            // As in GgufTokenizerTests: this llama3 tokenizer.json adds no BOS, so the file says so.
            "llama3" => GgufVocabulary.ByteLevel("llama3", "llama-bpe"),
            "qwen3" => GgufVocabulary.ByteLevel("qwen3", "qwen2", paddedVocabSize: 151936),
            _ => GgufVocabulary.SentencePiece(fixture),
        };
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
