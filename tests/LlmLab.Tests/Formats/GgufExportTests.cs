using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Models.Architectures;
using LlmLab.Quantization;
using LlmLab.Tensors;
using LlmLab.Tests.Models;
using LlmLab.Tests.Tokenization;
using LlmLab.Tokenization;

namespace LlmLab.Tests.Formats;

/// <summary>
/// <see cref="GgufExport"/> and <see cref="GgufVocabularyExport"/>: the metadata convert_hf_to_gguf.py writes, the
/// pre-tokenizer names llama.cpp expects, the q/k permutation on quantized rows, and GGUF inputs kept as they are.
/// </summary>
public sealed class GgufExportTests
{
    [Fact]
    public void Llama_tiny_export_has_every_key_convert_writes_with_its_value_plus_file_type_and_quantization_version()
    {
        string path = Path.Combine(Fixtures.TempDir(), "llama-tiny.gguf");
        try
        {
            GgufConversion.WriteFixtureGguf("llama-tiny", path, "Q8_0");
            using var file = GgufFile.Open(path);
            foreach (var (key, value) in GgufConversion.LlamaTinyMetadata())
                Assert.True(file.Metadata.TryGetValue(key, out var actual) && Equals(actual.Value, value.Value) && actual.Type == value.Type, $"{key}: {value.Value} expected");
            Assert.Equal(7u, file.Metadata["general.file_type"].Value); // LLAMA_FTYPE_MOSTLY_Q8_0
            Assert.Equal(2u, file.Metadata["general.quantization_version"].Value);
            Assert.Equal(GgufExport.Llama3Factors(ModelConfigReader.Read(Fixtures.Model("llama-tiny")).Rope, 16), file.Tensor(GgufTensorNames.RopeFrequencies).ToFloatArray());
            Assert.Equal(TensorFormat.Q8_0, file.Describe("blk.1.attn_q.weight").Format);
            Assert.Equal(TensorFormat.F32, file.Describe("blk.1.attn_norm.weight").Format);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
    }

    [Theory]
    [InlineData("llama3", "gpt2", "llama-bpe")]
    [InlineData("qwen3", "gpt2", "qwen2")]
    [InlineData("sp32k", "llama", "default")]
    public void Tokenizer_model_and_pre_tokenizer_are_named_as_llama_cpp_names_them(string fixture, string model, string pre)
    {
        var metadata = GgufVocabulary.Fixture(fixture, GgufVocabulary.VocabSize(fixture));
        Assert.Equal((model, pre), ((string)metadata["tokenizer.ggml.model"].Value, (string)metadata["tokenizer.ggml.pre"].Value));
    }

    [Fact]
    public void Gpt2_byte_level_tokenizer_of_the_brown_model_is_gpt_2_and_padding_fills_unused_ids()
    {
        string path = Path.Combine(Fixtures.BrownModel, "tokenizer.json");
        var metadata = GgufVocabularyExport.FromJson(path, File.ReadAllText(path), null, 4100);
        Assert.Equal("gpt-2", (string)metadata["tokenizer.ggml.pre"].Value);
        var tokens = (string[])metadata["tokenizer.ggml.tokens"].Value;
        var types = (int[])metadata["tokenizer.ggml.token_type"].Value;
        Assert.Equal((4100, "[PAD4099]", 5, "<|endoftext|>", 3), (tokens.Length, tokens[^1], types[^1], tokens[0], types[0]));
    }

    [Fact]
    public void A_pre_tokenizer_regex_of_an_unknown_family_is_refused_with_the_regex_in_the_message()
    {
        const string json = """{"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\d+"}}]},"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}""";
        var e = Assert.Throws<InvalidTokenizerException>(() => GgufVocabularyExport.FromJson("x/tokenizer.json", json, null, 1));
        Assert.Contains("x/tokenizer.json", e.Message);
        Assert.Contains(@"'\d+'", e.Message);
    }

    [Theory]
    [InlineData(TensorFormat.Q4_K)]
    [InlineData(TensorFormat.Q8_0)]
    [InlineData(TensorFormat.IQ4_NL)]
    public void Permuting_quantized_rows_gives_the_bytes_of_quantizing_permuted_rows(TensorFormat format)
    {
        // 2 heads of width 8, rows of 256: the export permutes encoded rows; convert permutes floats first.
        const int heads = 2, rows = 16, cols = 256;
        var random = new Random(7);
        float[] w = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        long rowBytes = format.RowBytes(cols);
        byte[] Encode(float[] values)
        {
            var bytes = new byte[rows * rowBytes];
            for (int r = 0; r < rows; r++) BlockCodec.Quantize(format, values.AsSpan(r * cols, cols), bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
            return bytes;
        }
        byte[] encoded = Encode(w), rowsPermuted = new byte[encoded.Length];
        for (int r = 0; r < rows; r++)
            encoded.AsSpan((int)(GgufExport.PermutedSourceRow(r, rows / heads) * rowBytes), (int)rowBytes).CopyTo(rowsPermuted.AsSpan((int)(r * rowBytes)));
        Assert.Equal(Encode(GgufExport.PermuteRows(w, heads, rows, cols)), rowsPermuted);
    }

    [Fact]
    public void A_gguf_input_keeps_its_metadata_and_tensor_names_with_the_file_type_updated()
    {
        string dir = Fixtures.TempDir(), f32 = Path.Combine(dir, "f32.gguf"), q8 = Path.Combine(dir, "q8.gguf");
        try
        {
            GgufConversion.WriteFixtureGguf("llama-tiny", f32);
            using (var files = ModelFiles.Open(f32, QuantizationMix.Parse("Q8_0"))) GgufExport.Write(q8, files);
            using var before = GgufFile.Open(f32);
            using var after = GgufFile.Open(q8);
            Assert.Equal(before.MetadataEntries.Select(e => e.Key), after.MetadataEntries.Select(e => e.Key));
            Assert.Equal(before.Names, after.Names);
            Assert.Equal((0u, 7u), ((uint)before.Metadata["general.file_type"].Value, (uint)after.Metadata["general.file_type"].Value));
            Assert.Equal(before.Metadata["tokenizer.ggml.tokens"].Value, after.Metadata["tokenizer.ggml.tokens"].Value);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
