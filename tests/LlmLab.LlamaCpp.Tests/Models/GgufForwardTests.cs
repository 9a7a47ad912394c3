using LLama;
using LLama.Common;
using LLama.Native;
using LlmLab.Backends.Cpu;
using LlmLab.Evaluation;
using LlmLab.Formats;
using LlmLab.Models;
using LlmLab.Tests;
using LlmLab.Tests.Models;

namespace LlmLab.LlamaCpp.Tests.Models;

/// <summary>
/// GGUF configs on the CPU backend against llama.cpp's forward of the same F32 GGUF file (llama_decode in
/// LLamaSharp.Backend.Cpu 0.30.0, F32 KV cache, no flash attention), the files converted as convert_hf_to_gguf.py
/// would (<see cref="GgufConversion"/>): llama-tiny (config from metadata, llama3 RoPE from rope_freqs, interleaved
/// rotation of permuted q/k) and qwen2-tiny (NEOX rotation, q/k/v biases, tied head).
/// </summary>
public sealed class GgufForwardTests
{
    /// <summary>Both sides compute in fp32 from identical weights; only summation order and the RoPE angle's path differ (measured 1.1e-13 for llama, 1.2e-13 for qwen2).</summary>
    private const double Fp32ForwardNmse = 1e-11;

    private static readonly int[] Ids = [1, 17, 300, 42, 42, 7, 511, 0, 128, 256, 3, 99];

    [Fact]
    public void Cpu_forward_of_the_gguf_llama_config_matches_llama_cpp_logits_at_every_position()
    {
        var (ours, reference, config) = Run(c => c);
        Assert.True(config.Rope.Interleaved);
        Assert.NotNull(config.Rope.FrequencyFactors);
        var cmp = LogitComparison.Compare(ours, reference, config.VocabSize);
        Assert.True(cmp.Nmse <= Fp32ForwardNmse, $"NMSE {cmp.Nmse:E3} (max abs error {cmp.MaxAbsoluteError:E3})");
        Assert.Equal(1.0, cmp.Top1Agreement);
    }

    [Fact]
    public void Cpu_forward_of_the_gguf_qwen2_config_matches_llama_cpp_logits_at_every_position()
    {
        // qwen2: NEOX rotation of unpermuted q/k, q/k/v biases, head tied to token_embd (no output.weight).
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "qwen2-tiny.gguf");
        try
        {
            GgufConversion.WriteFixtureGguf("qwen2-tiny", path);
            float[] reference = LlamaCppLogits(path, out int vocab);
            ModelConfig config;
            using (var file = GgufFile.Open(path)) config = GgufModelConfig.Read(file.Metadata, file);
            Assert.Equal((false, true, true, 512), (config.Rope.Interleaved, config.QkvBias, config.TieWordEmbeddings, vocab));
            using var transformer = Transformer.Load(Fixtures.Model("qwen2-tiny"), config, new CpuBackend());
            using var session = transformer.CreateSession(1, Ids.Length, Ids.Length);
            var cmp = LogitComparison.Compare(session.StepToHost(Ids, LogitsFor.AllPositions), reference, vocab);
            Assert.True(cmp.Nmse <= Fp32ForwardNmse, $"NMSE {cmp.Nmse:E3} (max abs error {cmp.MaxAbsoluteError:E3})");
            Assert.Equal(1.0, cmp.Top1Agreement);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("rotate-half pairs")]
    [InlineData("no rope_freqs factors")]
    public void Leaving_out_either_gguf_rope_detail_moves_far_from_llama_cpp(string change)
    {
        var (ours, reference, config) = Run(c => change == "rotate-half pairs"
            ? c with { Rope = c.Rope with { Interleaved = false } }
            : c with { Rope = c.Rope with { FrequencyFactors = null } });
        var cmp = LogitComparison.Compare(ours, reference, config.VocabSize);
        Assert.True(cmp.Nmse > 1e-6, $"{change}: NMSE {cmp.Nmse:E3}, so the comparison would not notice this detail");
    }

    /// <summary>Our CPU logits with the GGUF config (after <paramref name="adjust"/>) and llama.cpp's, on the same converted file.</summary>
    private static (float[] Ours, float[] Reference, ModelConfig Config) Run(Func<ModelConfig, ModelConfig> adjust)
    {
        string dir = Fixtures.TempDir(), path = Path.Combine(dir, "llama-tiny.gguf");
        string? permuted = null;
        try
        {
            GgufConversion.WriteLlamaTinyGguf(path);
            float[] reference = LlamaCppLogits(path, out int vocab);
            ModelConfig config;
            using (var file = GgufFile.Open(path)) config = adjust(GgufModelConfig.Read(file.Metadata, file));
            Assert.Equal(config.VocabSize, vocab);
            // The same values under HF names, since ModelWeights reads safetensors folders today.
            var hf = ModelConfigReader.Read(Fixtures.Model("llama-tiny"));
            permuted = GgufConversion.WritePermutedCopy(Fixtures.Model("llama-tiny"), hf);
            using var transformer = Transformer.Load(permuted, config, new CpuBackend());
            using var session = transformer.CreateSession(1, Ids.Length, Ids.Length);
            return (session.StepToHost(Ids, LogitsFor.AllPositions), reference, config);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            if (permuted is not null) Directory.Delete(permuted, recursive: true);
        }
    }

    /// <summary>llama.cpp's logits for <see cref="Ids"/> as one sequence, every position, [tokens, vocab] row-major.</summary>
    private static float[] LlamaCppLogits(string path, out int vocab)
    {
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)Ids.Length,
            BatchSize = (uint)Ids.Length,
            UBatchSize = (uint)Ids.Length,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
            GpuLayerCount = 0,
        };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var batch = new LLamaBatch();
        for (int i = 0; i < Ids.Length; i++) batch.Add(Ids[i], i, LLamaSeqId.Zero, logits: true);
        Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        vocab = weights.Vocab.Count;
        var logits = new float[Ids.Length * vocab];
        for (int i = 0; i < Ids.Length; i++) context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan(i * vocab, vocab));
        return logits;
    }
}
